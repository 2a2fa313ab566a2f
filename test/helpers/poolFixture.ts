// Small shared pieces for the upstream pool tests: short config values, an event recorder, a wait.
import type { Config } from '../../gateway/src/config.ts';
import type { NetworkConfig } from '../../gateway/src/upstream/config.ts';
import { EventBus, type EventOf, type EventType, type GatewayEvent } from '../../gateway/src/events.ts';

/** Short timeouts and a breaker that opens fast, so failover tests finish in seconds. */
export function fastUpstream(over: Partial<Config['upstream']> = {}): Config['upstream'] {
  return {
    timeoutMs: 500,
    getLogsTimeoutMs: 1000,
    maxAttempts: 4,
    breakerFailures: 2,
    breakerCooldownMs: 300,
    breakerMaxCooldownMs: 2000,
    retryBackoffMs: 20,
    lastResortTimeoutMs: 500,
    lastResortDeadlineMs: 1000,
    hedge: { enabled: true, minDelayMs: 50, maxDelayMs: 300, maxShare: 0.1 },
    ...over,
  };
}

export function networkConfig(nodes: Array<[name: string, url: string]>, over: Partial<NetworkConfig> = {}): NetworkConfig {
  return {
    network: 'l2',
    nodes: nodes.map(([name, url]) => ({ name, url })),
    lagThreshold: 10,
    headPollMs: 100,
    ...over,
  };
}

export interface Recorder {
  bus: EventBus;
  events: GatewayEvent[];
  of<T extends EventType>(type: T): Array<EventOf<T>>;
  /** upstream.attempt events of one call, in order. */
  attempts(requestId: string): Array<EventOf<'upstream.attempt'>>;
}

export function recorder(): Recorder {
  const bus = new EventBus();
  const events: GatewayEvent[] = [];
  bus.onAny((e) => events.push(e));
  const of = <T extends EventType>(type: T) => events.filter((e): e is EventOf<T> => e.type === type);
  return { bus, events, of, attempts: (id) => of('upstream.attempt').filter((e) => e.requestId === id) };
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
