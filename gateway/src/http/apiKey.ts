// The key in the URL path -> the member it belongs to (state.member), or a refusal with the HTTP status and
// JSON-RPC error of its reason. A refused request's body is never read.
import type { Socket } from 'node:net';
import { hashApiKey } from '../access/apiKey.ts';
import type { KeyCheck } from '../access/keyResolver.ts';
import type { Network } from '../common/network.ts';
import type { DenyReason, AccessEvent } from '../access/events.ts';
import type { Emitter } from '../common/bus.ts';
import { RpcCode } from '../rpc/errors.ts';
import { NULL_ID, renderError } from '../rpc/types.ts';
import { json } from './respond.ts';
import type { RpcExchange, RpcStep } from './rpcState.ts';

/** What the route needs of the key check (access/memberAccess.ts). */
export interface AccessCheck {
  /** `hash`, when given, is hashApiKey(key), computed already. */
  resolve(key: string, hash?: string): Promise<KeyCheck>;
  /** The answer resolve() would give at once from its cache, when it has a fresh one; no promise, no query. */
  cached?(key: string, hash?: string): KeyCheck | undefined;
  /** Whether the key checked out as valid recently, answered without a query; `hash` as for resolve. */
  knownValid(key: string, hash?: string): boolean;
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
export function deny(x: RpcExchange, bus: Emitter<AccessEvent>, reason: DenyReason): void {
  const { request } = x.state;
  const denial = DENIAL[reason];
  request.denied = reason;
  request.errorCode = denial.code;
  bus.emit({ type: 'access.denied', requestId: request.id, network: request.network, reason });
  x.status = denial.status;
  json(x, renderError(NULL_ID, { code: denial.code, message: denial.message }));
}

// A keep-alive connection carries one member's key request after request: its hash is computed once per
// connection, and forgotten with it.
const hashes = new WeakMap<Socket, { key: string; hash: string }>();

export function keyHash(x: RpcExchange): string {
  if (x.keyHash !== undefined) return x.keyHash;
  const socket = x.req.socket;
  const last = hashes.get(socket);
  if (last?.key === x.key) return (x.keyHash = last.hash);
  const hash = hashApiKey(x.key);
  hashes.set(socket, { key: x.key, hash });
  return (x.keyHash = hash);
}

export function apiKey(access: AccessCheck, bus: Emitter<AccessEvent>): RpcStep {
  const unavailable = (): KeyCheck => ({ ok: false, reason: 'access_unavailable' });
  return async (x, next) => {
    const { request } = x.state;
    const hash = keyHash(x);
    const check = access.cached?.(x.key, hash) ?? (await access.resolve(x.key, hash).catch(unavailable));
    if (!check.ok) return deny(x, bus, check.reason);
    x.state.member = { address: check.memberAddress, keyId: check.keyId };
    access.touch(check.keyId, request.network);
    if (bus.has('access.granted')) {
      bus.emit({ type: 'access.granted', requestId: request.id, network: request.network, memberAddress: check.memberAddress, keyId: check.keyId });
    }
    await next();
  };
}
