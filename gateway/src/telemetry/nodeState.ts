// The last known state of each node, from node.health and node.head events, read by the node gauges.
import type { EventBus } from '../events.ts';
import type { Network } from '../common/network.ts';

export interface NodeSnapshot {
  network: Network;
  node: string;
  up?: boolean;
  head?: number;
  finalized?: number;
  lag?: number;
}

/** Node names come from configuration, so this is small; the cap only guards against a bug. */
const MAX_NODES = 512;

export class NodeState {
  private readonly nodes = new Map<string, NodeSnapshot>();

  subscribe(bus: EventBus): () => void {
    const offs = [
      bus.on('node.health', (e) => {
        const n = this.of(e.network, e.node);
        if (n) n.up = e.healthy;
      }),
      bus.on('node.head', (e) => {
        const n = this.of(e.network, e.node);
        if (!n) return;
        n.head = e.head;
        n.lag = e.lag;
        if (e.finalized !== undefined) n.finalized = e.finalized;
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  snapshot(): NodeSnapshot[] {
    return [...this.nodes.values()];
  }

  private of(network: Network, node: string): NodeSnapshot | undefined {
    const key = `${network}/${node}`;
    let n = this.nodes.get(key);
    if (!n && this.nodes.size < MAX_NODES) this.nodes.set(key, (n = { network, node }));
    return n;
  }
}
