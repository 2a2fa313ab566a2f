// The key in the URL path -> the member it belongs to (ctx.state.member), or a refusal with the HTTP status and
// JSON-RPC error of its reason. A refused request's body is never read.
import type { KeyCheck } from '../access/keyResolver.ts';
import type { Network } from '../common/network.ts';
import type { DenyReason, AccessEvent } from '../access/events.ts';
import type { Emitter } from '../common/bus.ts';
import { RpcCode } from '../rpc/errors.ts';
import { NULL_ID, renderError } from '../rpc/types.ts';
import { json } from './respond.ts';
import type { RpcContext, RpcMiddleware } from './rpcState.ts';

/** What the route needs of the key check (access/memberAccess.ts). */
export interface AccessCheck {
  resolve(key: string): Promise<KeyCheck>;
  /** Whether the key checked out as valid recently, answered without a query. */
  knownValid(key: string): boolean;
  /** One request made with this key on this network (last use and usage counts, written in batches). */
  touch(keyId: string, network: Network): void;
}

/** What a refused key gets: an HTTP status, and a JSON-RPC error body (EIP-1474 codes). */
const DENIAL: Readonly<Record<DenyReason, { status: number; code: number; message: string }>> = {
  unknown_key: { status: 401, code: RpcCode.ResourceNotFound, message: 'Unknown API key. Get one at the gateway portal or from its operator.' },
  revoked_key: { status: 401, code: RpcCode.ResourceNotFound, message: 'This API key was revoked. Get a new one at the gateway portal.' },
  inactive_member: {
    status: 403,
    code: RpcCode.ResourceNotFound,
    message: 'This API key belongs to an address that is no longer an active orchestrator.',
  },
  access_unavailable: {
    status: 503,
    code: RpcCode.ResourceUnavailable,
    message: 'The key check is unavailable right now (database unreachable); retry shortly.',
  },
  unknown_key_rate: {
    status: 429,
    code: RpcCode.LimitExceeded,
    message: 'Too many requests with unknown API keys from your address; check the key in your URL (-ethUrl) and retry in a minute.',
  },
};

/** Answers the request as refused for `reason`. */
export function deny(ctx: RpcContext, bus: Emitter<AccessEvent>, reason: DenyReason): void {
  const { request } = ctx.state;
  const denial = DENIAL[reason];
  request.denied = reason;
  request.errorCode = denial.code;
  bus.emit({ type: 'access.denied', requestId: request.id, network: request.network, reason });
  ctx.status = denial.status;
  json(ctx, renderError(NULL_ID, { code: denial.code, message: denial.message }));
}

export function apiKey(access: AccessCheck, bus: Emitter<AccessEvent>): RpcMiddleware {
  return async (ctx, next) => {
    const { request } = ctx.state;
    const check = await access.resolve(ctx.params.key ?? '').catch((): KeyCheck => ({ ok: false, reason: 'access_unavailable' }));
    if (!check.ok) return deny(ctx, bus, check.reason);
    ctx.state.member = { address: check.memberAddress, keyId: check.keyId };
    access.touch(check.keyId, request.network);
    if (bus.has('access.granted')) {
      bus.emit({ type: 'access.granted', requestId: request.id, network: request.network, memberAddress: check.memberAddress, keyId: check.keyId });
    }
    await next();
  };
}
