// Errors of the persistence layer. Messages name what is wrong and never carry a key or a password.
import { GatewayError } from '../common/errors.ts';

/** The database could not be opened or reached. */
export class StoreError extends GatewayError {
  override readonly name: string = 'StoreError';
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, { cause });
  }
}

/** A migration file is invalid, failed, or was edited after it was applied. */
export class MigrationError extends StoreError {
  override readonly name = 'MigrationError';
}

/** Short, single-line description of a database error, safe for an event or a log line. */
export function describeDbError(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown database error';
  const code = (err as { code?: unknown }).code;
  const text = err.message.split('\n')[0]?.slice(0, 200) ?? '';
  return typeof code === 'string' && code ? `${code}: ${text}` : text;
}
