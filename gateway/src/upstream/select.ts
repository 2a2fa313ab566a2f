// Which node gets the next attempt of a call: priority order among nodes in rotation, nodes with
// recent failures after clean ones, a half-open node only as a last resort (it takes the trial).
import type { PoolNode } from './poolNode.ts';

/**
 * The next node for a call, or undefined when none may be tried. `tried` nodes come again only when
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
