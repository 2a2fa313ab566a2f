// The base of every error the gateway raises on purpose. Its message is written for whoever reads it (a member,
// the operator) and never carries an API key, a URL credential or a stack. An error says what kind of failure
// it is; the status it travels with (an HTTP status, a JSON-RPC code, an exit code) is decided at the edge that
// answers it: http/, rpc/, portal/, admin.ts.

export type ErrorKind =
  | 'invalid' // the input cannot be what was asked for
  | 'unauthenticated' // who is asking is not known (no session)
  | 'forbidden' // who is asking may not do this
  | 'not_found'
  | 'conflict' // the state does not allow it now (too many keys, an ambiguous reference)
  | 'too_large'
  | 'rate_limited'
  | 'unavailable' // a dependency (database, nodes, a source) cannot answer now
  | 'internal';

export class GatewayError extends Error {
  override readonly name: string = 'GatewayError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** The input cannot be read as what the endpoint expects. */
export class BadInputError extends GatewayError {
  override readonly name = 'BadInputError';
  constructor(message: string) {
    super('invalid', message);
  }
}

/** The HTTP status of an error's kind, for the edges that answer with a status of their own (the portal). */
export const HTTP_STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};
