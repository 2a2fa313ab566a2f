// One member call across a pool's nodes: the best node in rotation first; a read not answered within its node's
// hedge delay also goes to the next node, first good answer wins; on a failure worth it, the next node; a node
// that is the only one left is tried again after a short backoff (a blip is not an outage); and when no node in
// rotation is left, the others as a last resort, most recently answering first, within a short deadline.
// `-32002` therefore means "every attempt failed", never "a breaker said no without trying".
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { Clock } from '../common/clock.ts';
import type { Network } from '../common/network.ts';
import { methodSpec } from '../evm/methods.ts';
import { UpstreamUnavailableError, truncate } from '../rpc/errors.ts';
import type { CallOutcome } from '../rpc/types.ts';
import { Cancel } from './cancel.ts';
import { decide, repeatable, type AttemptResult } from './classify.ts';
import type { UpstreamConfig } from './config.ts';
import type { AttemptOutcome, FailureClass, UpstreamEvent } from './events.ts';
import { hedgeDelay, type HedgeBudget } from './hedge.ts';
import type { LatencyClass, PoolNode } from './poolNode.ts';
import { pickLastResort, pickNode } from './select.ts';

export interface CallContext {
  network: Network;
  nodes: readonly PoolNode[];
  settings: UpstreamConfig;
  bus: Emitter<UpstreamEvent | InternalErrorEvent>;
  now: Clock;
  budget: HedgeBudget;
  /** The pool's best head, to tell "this node is behind" from "no such block". */
  bestHead(): number | undefined;
}

export interface Attempted {
  node: PoolNode;
  result: AttemptResult;
  next: 'return' | 'retry' | 'stop';
  outcome: AttemptOutcome;
}

/** One member call in progress: what was tried, and what is left. */
export interface Call {
  c: CallContext;
  method: string;
  params: unknown;
  requestId: string;
  cls: LatencyClass;
  read: boolean;
  attempts: number;
  attemptsOn: Map<PoolNode, number>;
  noRepeat: Set<PoolNode>;
  lastResortEnds?: number;
}

export function newCall(c: CallContext, method: string, params: unknown, requestId: string): Call {
  const spec = methodSpec(method);
  return {
    c,
    method,
    params,
    requestId,
    cls: spec?.timeout === 'logs' ? 'logs' : 'default',
    read: !spec?.write,
    attempts: 0,
    attemptsOn: new Map(),
    noRepeat: new Set(),
  };
}

export async function callPool(c: CallContext, method: string, params: unknown, requestId: string): Promise<CallOutcome> {
  const { network } = c;
  const call = newCall(c, method, params, requestId);
  if (call.read) c.budget.earn();
  let previous: { node: PoolNode; reason: FailureClass } | undefined;
  // The last JSON-RPC answer we moved past: if no node does better, it is the honest answer.
  let fallback: CallOutcome | undefined;
  for (let next = await nextNode(call); next; next = await nextNode(call)) {
    if (previous) c.bus.emit({ type: 'upstream.failover', requestId, network, method, from: previous.node.name, to: next.node.name, reason: previous.reason });
    const results = await attemptHedged(call, next.node, next.timeoutMs, next.lastResort);
    const good = results.find((a) => a.result.ok && a.next === 'return');
    if (good?.result.ok) return good.result.outcome;
    for (const a of results) {
      if (a.outcome === 'cancelled') continue;
      if (a.result.ok) fallback = a.result.outcome;
      previous = { node: a.node, reason: a.outcome === 'ok' ? 'node_state' : a.outcome };
      if (a.next === 'stop') {
        exhausted(c, requestId, method, call.attempts, 'all_attempts_failed');
        throw new UpstreamUnavailableError(
          `The ${network} node did not confirm ${truncate(method, 64)} (${a.outcome}); the transaction may have been sent: check before sending it again`,
        );
      }
    }
  }
  if (fallback) return fallback;
  throw unavailable(call, previous?.reason);
}

/** The -32002 of a call no node could answer, announced as exhausted. */
export function unavailable(call: Call, lastReason: string | undefined): UpstreamUnavailableError {
  const { c, method, attempts } = call;
  if (attempts === 0) {
    exhausted(c, call.requestId, method, 0, 'no_healthy_node');
    return new UpstreamUnavailableError(`No ${c.network} node is configured to answer; try again shortly`);
  }
  exhausted(c, call.requestId, method, attempts, 'all_attempts_failed');
  return new UpstreamUnavailableError(
    `No ${c.network} node could answer ${truncate(method, 64)} after ${attempts} attempt${attempts === 1 ? '' : 's'} (last: ${lastReason ?? 'none'})`,
  );
}

/**
 * The node for the next attempt of a call and its timeout, after the short backoff a repeat waits; undefined
 * when the call has spent its attempts, or no node is left (the last resort's deadline included).
 */
export async function nextNode(call: Call): Promise<{ node: PoolNode; timeoutMs: number; lastResort: boolean } | undefined> {
  const { c } = call;
  const settings = c.settings;
  if (call.attempts >= settings.maxAttempts) return undefined;
  const tried = new Set(call.attemptsOn.keys());
  let node = pickNode(c.nodes, tried, call.noRepeat, settings.hedge.minDelayMs);
  let timeoutMs = node ? timeoutFor(call, node) : 0;
  let lastResort = false;
  if (!node) {
    node = pickLastResort(c.nodes, tried, call.noRepeat);
    if (!node) return undefined;
    lastResort = true;
    call.lastResortEnds ??= c.now() + settings.lastResortDeadlineMs;
  }
  const repeats = call.attemptsOn.get(node) ?? 0;
  if (repeats > 0) await sleep(settings.retryBackoffMs * 2 ** (repeats - 1)); // a blip passes; a dead node costs little
  if (lastResort) {
    const left = call.lastResortEnds! - c.now();
    if (left <= 0) return undefined;
    // Each node out of rotation gets a short timeout so the others get their turn; the last one left, started
    // within the deadline, gets a whole attempt's timeout (a lone node that is slow under a burst is slow, not dead).
    const other = pickLastResort(c.nodes, tried, new Set([...call.noRepeat, node]));
    const others = other !== undefined && !tried.has(other);
    timeoutMs = others ? Math.max(1, Math.min(timeoutFor(call, node), settings.lastResortTimeoutMs, left)) : timeoutFor(call, node);
  }
  return { node, timeoutMs, lastResort };
}

function timeoutFor(call: Call, node: PoolNode): number {
  const s = call.c.settings;
  return call.cls === 'logs' ? s.getLogsTimeoutMs : (node.client.timeoutMs ?? s.timeoutMs);
}

/**
 * An attempt on `first`; a read not answered within the node's hedge delay also goes to the next node in rotation
 * (when the budget allows), and the first good answer wins: the other attempt is cancelled, and counts for nothing.
 */
async function attemptHedged(call: Call, first: PoolNode, timeoutMs: number, lastResort: boolean): Promise<Attempted[]> {
  const { c } = call;
  const one = start(call, first, timeoutMs, lastResort);
  if (!call.read || lastResort || !c.settings.hedge.enabled) return [await one.done];
  const delay = hedgeDelay(first.latency[call.cls], c.settings.hedge);
  const early = await within(one.done, delay);
  if (early) return [early];
  if (call.attempts >= c.settings.maxAttempts) return [await one.done];
  const second = pickNode(c.nodes, new Set([...call.attemptsOn.keys()]), call.noRepeat, c.settings.hedge.minDelayMs);
  if (!second || second === first || !c.budget.take()) {
    if (second && second !== first) second.breaker.release(); // a half-open trial taken for nothing
    return [await one.done];
  }
  c.bus.emit({ type: 'upstream.hedge', requestId: call.requestId, network: c.network, method: call.method, from: first.name, to: second.name, delayMs: delay });
  // The hedge's own run time says little when it is cut short early: only the slow first attempt's counts.
  const two = start(call, second, timeoutFor(call, second), false, { hedge: true });
  const winner = await firstGood(one.done, two.done);
  if (winner) {
    const loser = winner.node === first ? two : one;
    loser.cancel();
    return [winner, await loser.done];
  }
  return Promise.all([one.done, two.done]);
}

/**
 * The attempt to answer with, as soon as it is known; undefined when neither answered well. Any answer of the
 * first attempt wins at once, as without a hedge; the hedge's result wins at once too, but its JSON-RPC error
 * (an unrecognised provider error looks like a deterministic one) waits for the first attempt's answer.
 */
function firstGood(first: Promise<Attempted>, hedge: Promise<Attempted>): Promise<Attempted | undefined> {
  const answered = (a: Attempted) => a.result.ok && a.next === 'return';
  return new Promise((resolve) => {
    let hedgeError: Attempted | undefined;
    let left = 2;
    const settle = () => --left === 0 && resolve(hedgeError);
    void first.then((a) => (answered(a) ? resolve(a) : settle()));
    void hedge.then((a) => {
      if (answered(a) && a.result.ok && a.result.outcome.kind === 'result') resolve(a);
      else {
        if (answered(a)) hedgeError = a;
        settle();
      }
    });
  });
}

export function start(
  call: Call,
  node: PoolNode,
  timeoutMs: number,
  lastResort: boolean,
  role: { hedge?: boolean } = {},
): { done: Promise<Attempted>; cancel(): void } {
  call.attempts++;
  call.attemptsOn.set(node, (call.attemptsOn.get(node) ?? 0) + 1);
  const cancel = new Cancel();
  const done = attempt(call, node, timeoutMs, call.attempts, lastResort, cancel, role.hedge === true);
  return { done, cancel: () => cancel.cancel() };
}

/** One attempt on one node: its event, its latency, and its outcome counted toward the node's health as a member's. */
async function attempt(call: Call, node: PoolNode, timeoutMs: number, n: number, lastResort: boolean, cancel: Cancel, hedge: boolean): Promise<Attempted> {
  const { c, method, params } = call;
  const startTime = Date.now();
  const t0 = performance.now();
  const result = await node.client.attempt(method, params, timeoutMs, cancel);
  const durationMs = performance.now() - t0;
  const cancelled = cancel.cancelled;
  const d = cancelled ? undefined : decide(method, params, result, { bestHead: c.bestHead() });
  const outcome: Attempted['outcome'] = d ? d.outcome : 'cancelled';
  c.bus.emit({
    type: 'upstream.attempt',
    requestId: call.requestId,
    network: c.network,
    node: node.name,
    method,
    attempt: n,
    outcome,
    ...(d?.errorCode === undefined ? {} : { errorCode: d.errorCode }),
    ...(!result.ok && result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
    durationMs,
    startTime,
    ...(d?.detail === undefined ? {} : { detail: d.detail }),
    ...(lastResort ? { lastResort: true } : {}),
  });
  // The time a node took to answer (or at least ran, when cut short) is its latency; a fast refusal is not, and
  // neither is a hedge cancelled because the first attempt answered (it ran only for a moment).
  if (result.ok || (cancelled && !hedge) || (!result.ok && result.failure === 'timeout')) node.latency[call.cls].record(durationMs);
  if (!d) {
    node.breaker.release(); // no verdict: a half-open trial this attempt may have held goes to the next caller
    return { node, result, next: 'retry', outcome };
  }
  if (!repeatable(d.outcome)) call.noRepeat.add(node);
  if (d.health === 'failure') {
    const read = call.read ? { method, params } : undefined;
    node.failed('member', d.outcome === 'ok' ? 'node_state' : d.outcome, d.detail ?? d.outcome, read);
  } else node.succeeded('member');
  return { node, result, next: d.next, outcome: d.outcome };
}

export function exhausted(c: CallContext, requestId: string, method: string, attempts: number, reason: 'no_healthy_node' | 'all_attempts_failed'): void {
  c.bus.emit({ type: 'upstream.exhausted', requestId, network: c.network, method, attempts, reason });
}

/** The promise's value if it settles within `ms`, else undefined; the timer never outlives the race. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
