// One member call across a pool's nodes: the best node in rotation first; on a failure worth it, the next one;
// a node that is the only one left is tried again after a short backoff (a blip is not an outage); and when no
// node in rotation is left, the others as a last resort, most recently answering first, within a short deadline.
// `-32002` therefore means "every attempt failed", never "a breaker said no without trying".
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { Clock } from '../common/clock.ts';
import type { Network } from '../common/network.ts';
import { methodSpec } from '../evm/methods.ts';
import { UpstreamUnavailableError, truncate } from '../rpc/errors.ts';
import type { CallOutcome } from '../rpc/types.ts';
import { decide, repeatable, type AttemptResult } from './classify.ts';
import type { UpstreamConfig } from './config.ts';
import type { FailureClass, UpstreamEvent } from './events.ts';
import type { PoolNode } from './poolNode.ts';
import { pickLastResort, pickNode } from './select.ts';

export interface CallContext {
  network: Network;
  nodes: readonly PoolNode[];
  settings: UpstreamConfig;
  bus: Emitter<UpstreamEvent | InternalErrorEvent>;
  now: Clock;
  /** The pool's best head, to tell "this node is behind" from "no such block". */
  bestHead(): number | undefined;
}

interface Attempted {
  node: PoolNode;
  result: AttemptResult;
  next: 'return' | 'retry' | 'stop';
  outcome: ReturnType<typeof decide>['outcome'];
}

export async function callPool(c: CallContext, method: string, params: unknown, requestId: string): Promise<CallOutcome> {
  const { settings, network } = c;
  const logsTimeout = methodSpec(method)?.timeout === 'logs';
  const attemptsOn = new Map<PoolNode, number>();
  const noRepeat = new Set<PoolNode>();
  let attempts = 0;
  let previous: { node: PoolNode; reason: FailureClass } | undefined;
  // The last JSON-RPC answer we moved past: if no node does better, it is the honest answer.
  let fallback: CallOutcome | undefined;
  let lastResortEnds: number | undefined;
  while (attempts < settings.maxAttempts) {
    const tried = new Set(attemptsOn.keys());
    let node = pickNode(c.nodes, tried, noRepeat);
    let timeoutMs = logsTimeout ? settings.getLogsTimeoutMs : (node?.client.timeoutMs ?? settings.timeoutMs);
    let lastResort = false;
    if (!node) {
      node = pickLastResort(c.nodes, tried, noRepeat);
      lastResortEnds ??= c.now() + settings.lastResortDeadlineMs;
      const left = lastResortEnds - c.now();
      if (!node || left <= 0) break;
      lastResort = true;
      const own = logsTimeout ? settings.getLogsTimeoutMs : (node.client.timeoutMs ?? settings.timeoutMs);
      timeoutMs = Math.max(1, Math.min(own, settings.lastResortTimeoutMs, left));
    }
    const repeats = attemptsOn.get(node) ?? 0;
    if (repeats > 0) await sleep(settings.retryBackoffMs * 2 ** (repeats - 1)); // a blip passes; a dead node costs little
    if (previous) c.bus.emit({ type: 'upstream.failover', requestId, network, method, from: previous.node.name, to: node.name, reason: previous.reason });
    attempts++;
    attemptsOn.set(node, repeats + 1);
    const a = await attempt(c, node, method, params, timeoutMs, { requestId, attempt: attempts, lastResort });
    if (a.result.ok && a.next === 'return') return a.result.outcome;
    if (a.result.ok) fallback = a.result.outcome;
    if (!repeatable(a.outcome)) noRepeat.add(node);
    previous = { node, reason: a.outcome === 'ok' ? 'node_state' : a.outcome };
    if (a.next === 'stop') {
      exhausted(c, requestId, method, attempts, 'all_attempts_failed');
      throw new UpstreamUnavailableError(
        `The ${network} node did not confirm ${truncate(method, 64)} (${a.outcome}); the transaction may have been sent: check before sending it again`,
      );
    }
  }
  if (fallback) return fallback;
  if (attempts === 0) {
    exhausted(c, requestId, method, 0, 'no_healthy_node');
    throw new UpstreamUnavailableError(`No ${network} node is configured to answer; try again shortly`);
  }
  exhausted(c, requestId, method, attempts, 'all_attempts_failed');
  throw new UpstreamUnavailableError(
    `No ${network} node could answer ${truncate(method, 64)} after ${attempts} attempt${attempts === 1 ? '' : 's'} (last: ${previous?.reason ?? 'none'})`,
  );
}

/** One attempt on one node: its event, and its outcome counted toward the node's health as a member's. */
async function attempt(
  c: CallContext,
  node: PoolNode,
  method: string,
  params: unknown,
  timeoutMs: number,
  at: { requestId: string; attempt: number; lastResort: boolean },
): Promise<Attempted> {
  const startTime = Date.now();
  const t0 = performance.now();
  const result = await node.client.attempt(method, params, timeoutMs);
  const durationMs = performance.now() - t0;
  const d = decide(method, params, result, { bestHead: c.bestHead() });
  c.bus.emit({
    type: 'upstream.attempt',
    requestId: at.requestId,
    network: c.network,
    node: node.name,
    method,
    attempt: at.attempt,
    outcome: d.outcome,
    ...(d.errorCode === undefined ? {} : { errorCode: d.errorCode }),
    ...(!result.ok && result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
    durationMs,
    startTime,
    ...(d.detail === undefined ? {} : { detail: d.detail }),
    ...(at.lastResort ? { lastResort: true } : {}),
  });
  if (d.health === 'failure') {
    const read = methodSpec(method)?.write ? undefined : { method, params };
    node.failed('member', d.outcome === 'ok' ? 'node_state' : d.outcome, d.detail ?? d.outcome, read);
  } else node.succeeded('member');
  return { node, result, next: d.next, outcome: d.outcome };
}

function exhausted(c: CallContext, requestId: string, method: string, attempts: number, reason: 'no_healthy_node' | 'all_attempts_failed'): void {
  c.bus.emit({ type: 'upstream.exhausted', requestId, network: c.network, method, attempts, reason });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
