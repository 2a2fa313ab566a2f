// Which node gets the next attempt of a call. In rotation first: priority order, nodes with recent failures
// after clean ones, a half-open node last (it takes the trial). When no node in rotation is left,
// the rest are tried as a last resort, the one that answered most recently first: a breaker orders and probes
// nodes, it never alone refuses a call that a node could have answered.
import type { PoolNode } from './poolNode.ts';

/**
 * The next node in rotation for a call, or undefined when none may be tried. `tried` nodes come again only when
 * no untried node is left, and never those in `noRepeat` (dead, slow or throttled within this call).
 */
export function pickNode(nodes: readonly PoolNode[], tried: ReadonlySet<PoolNode>, noRepeat: ReadonlySet<PoolNode>): PoolNode | undefined {
  const order = rank(nodes);
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
export function rank(nodes: readonly PoolNode[]): PoolNode[] {
  const tier = (n: PoolNode): number => {
    const state = n.breaker.state();
    if (state === 'closed') return n.breaker.failures() === 0 ? 0 : 1;
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
