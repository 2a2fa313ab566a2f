// One request's outcome as spans and logs name it; metrics use the same words.
import type { EventOf } from '../events.ts';
import { RpcCode } from '../rpc/errors.ts';
import { redactApiKeys } from '../common/redact.ts';

export type RequestOutcome = 'ok' | 'error' | 'denied';

export function requestOutcome(e: EventOf<'request.completed'>, denied: boolean): RequestOutcome {
  if (denied) return 'denied';
  return e.errorCode !== undefined || e.httpStatus >= 400 ? 'error' : 'ok';
}

/** The gateway failed to answer (as opposed to the member sending a bad call, or a node's deterministic answer). */
export function isGatewayFailure(e: EventOf<'request.completed'>): boolean {
  return e.httpStatus >= 500 || e.errorCode === RpcCode.Internal || e.errorCode === RpcCode.ResourceUnavailable;
}

/** Strings that came from members or nodes, made safe and short for a span or a log field. */
export function safeText(text: string, max = 128): string {
  const clean = redactApiKeys(text);
  return clean.length <= max ? clean : `${clean.slice(0, max)}…`;
}
