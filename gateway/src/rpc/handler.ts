// Answers one HTTP body of JSON-RPC: a single call or a batch, each call on its own, order kept.
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { RpcEvent } from './events.ts';
import type { Network } from '../common/network.ts';
import { knownMethodInOtherCase, methodSpec } from '../evm/methods.ts';
import { paramsProblem } from '../evm/params.ts';
import { GatewayError } from '../common/errors.ts';
import { asRpcError, InvalidParamsError, MethodNotFoundError, type RpcError } from './errors.ts';
import type { MethodPolicy } from './methodPolicy.ts';
import { parseBody, type ParsedCall } from './parse.ts';
import { NULL_ID, renderError, renderResponse, type CallOutcome } from './types.ts';
import { mapLimited } from '../common/mapLimited.ts';

/** The events the handler emits. */
export type RpcEmitter = Emitter<RpcEvent | InternalErrorEvent>;

/** Who a call is for: the request, and the member (key id) when known, whose reads the cache keeps monotonic. */
export interface CallContext {
  requestId: string;
  member?: string;
}

export interface Caller {
  call(method: string, params: unknown, ctx: CallContext): Promise<CallOutcome>;
}

export interface RpcContext {
  network: Network;
  requestId: string;
  /** The member's key id, when the key checked out. */
  member?: string;
  bus: RpcEmitter;
  caller: Caller;
  policy: MethodPolicy;
  maxBatch: number;
  /** Calls of one batch in flight at once, so one batch cannot flood the nodes. */
  batchConcurrency?: number;
}

export interface RpcReply {
  /** null when every call was a notification: nothing to send back. */
  body: string | null;
  /** The method of a single call, 'batch' for a batch, 'invalid' when the body could not be read as calls. */
  method: string;
  errorCode?: number;
  calls: number;
}

export async function handleRpcBody(text: string, ctx: RpcContext): Promise<RpcReply> {
  let parsed;
  try {
    parsed = parseBody(text, ctx.maxBatch);
  } catch (err) {
    received(ctx, 0, text.length);
    const error = asRpcError(err);
    return { body: renderError(NULL_ID, error.toJsonRpc()), method: 'invalid', errorCode: error.code, calls: 0 };
  }
  received(ctx, parsed.kind === 'batch' ? parsed.calls.length : 1, text.length);
  if (parsed.kind === 'single') {
    const a = await answer(parsed.call, ctx);
    return { body: a.text, method: a.method, errorCode: a.errorCode, calls: 1 };
  }
  const answers = await mapLimited(parsed.calls, ctx.batchConcurrency ?? 16, (c) => answer(c, ctx));
  const texts = answers.map((a) => a.text).filter((t): t is string => t !== null);
  return { body: texts.length ? `[${texts.join(',')}]` : null, method: 'batch', calls: parsed.calls.length };
}

interface Answer {
  text: string | null;
  method: string;
  errorCode?: number;
}

/** One call's answer; never rejects, so one call of a batch can never cost the others theirs. */
async function answer(call: ParsedCall, ctx: RpcContext): Promise<Answer> {
  const started = performance.now();
  const method = call.ok ? call.request.method : 'invalid';
  const notification = call.ok && call.notification;
  try {
    if (!call.ok) return refuse(call.idText, method, call.error, ctx, started, false);
    const { params } = call.request;
    if (!ctx.policy.allows(method)) return refuse(call.idText, method, new MethodNotFoundError(method), ctx, started, notification);
    const spelled = knownMethodInOtherCase(method);
    if (spelled) {
      return refuse(call.idText, method, new MethodNotFoundError(method, `does not exist: method names are case-sensitive (${spelled})`), ctx, started, notification);
    }
    const shape = methodSpec(method)?.params;
    const problem = shape && paramsProblem(method, shape, params);
    if (problem) return refuse(call.idText, method, new InvalidParamsError(problem), ctx, started, notification);
    const outcome = await ctx.caller.call(method, params ?? [], ctx); // ctx is the CallContext: request id and member
    const errorCode = outcome.kind === 'error' ? outcome.error.code : undefined;
    emitCall(ctx, method, errorCode, 'upstream', started);
    return { text: notification ? null : renderResponse(call.idText, outcome), method, errorCode };
  } catch (err) {
    if (!(err instanceof GatewayError)) {
      ctx.bus.emit({ type: 'gateway.error', where: 'rpc.call', message: err instanceof Error ? err.message : String(err) });
    }
    return refuse(call.idText, method, asRpcError(err), ctx, started, notification);
  }
}

function refuse(idText: string, method: string, error: RpcError, ctx: RpcContext, started: number, notification: boolean): Answer {
  emitCall(ctx, method, error.code, 'gateway', started);
  return { text: notification ? null : renderError(idText, error.toJsonRpc()), method, errorCode: error.code };
}
function received(ctx: RpcContext, batchSize: number, bytes: number) {
  ctx.bus.emit({ type: 'request.received', requestId: ctx.requestId, network: ctx.network, batchSize, bytes });
}

function emitCall(ctx: RpcContext, method: string, errorCode: number | undefined, source: 'upstream' | 'gateway', started: number) {
  if (!ctx.bus.has('rpc.call')) return;
  ctx.bus.emit({
    type: 'rpc.call',
    requestId: ctx.requestId,
    network: ctx.network,
    method,
    outcome: errorCode === undefined ? 'ok' : 'error',
    ...(errorCode === undefined ? {} : { errorCode }),
    source,
    durationMs: performance.now() - started,
  });
}
