// What a node pool is configured with: its nodes in priority order, and how attempts, breakers and the head
// tracker behave. Read from the environment by config.ts.
import type { Network } from '../common/network.ts';
import type { HedgeConfig } from './hedge.ts';

export interface NodeConfig {
  /** Shown in /status, metrics and logs. Never the URL: URLs often carry provider credentials. */
  name: string;
  url: string;
  /** Per-attempt timeout for this node; falls back to the pool's. */
  timeoutMs?: number;
}

export interface NetworkConfig {
  network: Network;
  /** In priority order: the first healthy node gets the traffic. */
  nodes: NodeConfig[];
  /** A node more than this many blocks behind the best node leaves rotation. */
  lagThreshold: number;
  headPollMs: number;
}

export interface UpstreamConfig {
  timeoutMs: number;
  getLogsTimeoutMs: number;
  /** Attempts for one call across the pool (each on a different node when one is available). */
  maxAttempts: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  breakerMaxCooldownMs: number;
  /** Before a node is tried again within one call (the only one left): this, doubling per repeat. */
  retryBackoffMs: number;
  /** Per attempt on a node out of rotation, tried because no node in rotation was left. */
  lastResortTimeoutMs: number;
  /** All last-resort attempts of one call together. */
  lastResortDeadlineMs: number;
  hedge: HedgeConfig;
}
