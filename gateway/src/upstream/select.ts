// Which node gets the next attempt of a call. In rotation first: priority order, nodes with recent failures
// or recently slow (their members' median several times the fastest node's) after clean ones, a half-open node
// last (it takes the trial). When no node in rotation is left,
// the rest are tried as a last resort, the one that answered most recently first: a breaker orders and probes
// nodes, it never alone refuses a call that a node could have answered.
import { SLOW_FACTOR } from './hedge.ts';
import type { PoolNode } from './poolNode.ts';

/**
 * The next node in rotation for a call, or undefined when none may be tried. `tried` nodes come again only when
 * no untried node is left, and never those in `noRepeat` (dead, slow or throttled within this call).
 */
export function pickNode(
  nodes: readonly PoolNode[],
  tried: ReadonlySet<PoolNode>,
  noRepeat: ReadonlySet<PoolNode>,
  slowFloorMs?: number,
): PoolNode | undefined {
  const order = rank(nodes, slowFloorMs);
  for (const pass of [false, true]) {
    for (const node of order) {
      if (tried.has(node) !== pass || noRepeat.has(node)) continue;
      // tryPass takes the half-open trial, so it is the last check before committing to this node.
      if (node.breaker.tryPass()) return node;
    }
  }
  return undefined;
}

/** Nodes that may take traffic, best first. Lagging nodes and open breakers are left out. */
export function rank(nodes: readonly PoolNode[], slowFloorMs = 50): PoolNode[] {
  const slow = slowNodes(nodes, slowFloorMs);
  const tier = (n: PoolNode): number => {
    const state = n.breaker.state();
    if (state === 'closed') return n.breaker.failures() === 0 && !slow.has(n) ? 0 : 1;
    return state === 'half_open' ? 2 : 3;
  };
  return nodes
    .filter((n) => !n.lagging && tier(n) < 3 && n.breaker.canPass())
    .sort((a, b) => tier(a) - tier(b) || a.priority - b.priority);
}

/**
 * A node out of rotation for a last-resort attempt: untried ones before repeats, the most recently answering
 * first, never one in `noRepeat`.
 */
export function pickLastResort(nodes: readonly PoolNode[], tried: ReadonlySet<PoolNode>, noRepeat: ReadonlySet<PoolNode>): PoolNode | undefined {
  const inRotation = new Set(rank(nodes));
  const order = nodes
    .filter((n) => !inRotation.has(n) && !noRepeat.has(n))
    .sort((a, b) => Number(tried.has(a)) - Number(tried.has(b)) || b.lastSuccessAt - a.lastSuccessAt || a.priority - b.priority);
  return order[0];
}

/** Nodes whose members' recent median is over SLOW_FACTOR times the fastest node's (and over the floor). */
export function slowNodes(nodes: readonly PoolNode[], floorMs: number): ReadonlySet<PoolNode> {
  const medians = new Map<PoolNode, number>();
  for (const n of nodes) {
    const m = n.latency.default.quantile(0.5, 1); // one lost race is enough: the node was slower than another
    if (m !== undefined) medians.set(n, m);
  }
  if (medians.size < 2) return new Set();
  const fastest = Math.min(...medians.values());
  const bar = Math.max(floorMs, SLOW_FACTOR * fastest);
  return new Set([...medians].filter(([, m]) => m > bar).map(([n]) => n));
}
