// Starts the real gateway in-process in front of real Anvil nodes, with a real database:
// DATABASE_URL when set (CI: the machine's PostgreSQL), else an embedded PGlite in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../gateway/src/config.ts';
import { EventBus, type EventOf, type EventType, type GatewayEvent } from '../../gateway/src/events.ts';
import { startGateway, type Gateway } from '../../gateway/src/gateway.ts';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { loadTelemetryConfig, startTelemetry, type Telemetry } from '../../gateway/src/telemetry/index.ts';
import { startAnvil, type Anvil, type AnvilOptions } from './anvil.ts';
import { startFakeNode, type FakeNode } from './fakeNode.ts';

export interface TestGateway {
  gw: Gateway;
  config: Config;
  l2: Anvil[];
  l1: Anvil[];
  key: string;
  events: GatewayEvent[];
  /** Errors thrown by bus listeners (telemetry); a test may assert there are none. */
  listenerErrors: unknown[];
  /** With `fronts`: the fake node in front of each l2 Anvil (the pool's l2node0, l2node1...). */
  fronts: FakeNode[];
  /** With `telemetry`: the JSON log lines written so far, and a scrape of /metrics. */
  logs(): Array<Record<string, unknown>>;
  metrics(): Promise<string>;
  /** The member URL for a network, with the key. */
  url(network?: 'l1' | 'l2'): string;
  rpc(method: string, params?: unknown[], network?: 'l1' | 'l2'): Promise<{ result?: unknown; error?: { code: number; message: string } }>;
  post(body: string, network?: 'l1' | 'l2'): Promise<Response>;
  of<T extends EventType>(type: T): Array<EventOf<T>>;
  stop(): Promise<void>;
}

export interface TestGatewayOptions {
  l2Nodes?: number;
  l1Nodes?: number;
  anvil?: AnvilOptions;
  /** Extra upstream URLs (e.g. a fake misbehaving node) put FIRST in the l2 pool. */
  l2Before?: string[];
  env?: Record<string, string>;
  /** The gateway's clock (challenge and session lifetimes, key cache, breakers); the system clock by default. */
  clock?: () => number;
  /** Put a fake node (test/helpers/fakeNode.ts) in front of each l2 Anvil, to inject faults. */
  fronts?: boolean;
  /** Start telemetry (metrics on an ephemeral port, logs captured) on the gateway's bus before it starts. */
  telemetry?: boolean | Record<string, string>;
}

export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const l2 = await Promise.all(Array.from({ length: opts.l2Nodes ?? 2 }, () => startAnvil({ chainId: 42161, ...opts.anvil })));
  const l1 = await Promise.all(Array.from({ length: opts.l1Nodes ?? 1 }, () => startAnvil({ chainId: 1, ...opts.anvil })));
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-test-'));
  const fronts = opts.fronts ? await Promise.all(l2.map((a) => startFakeNode(a.url))) : [];
  const l2Urls = opts.fronts ? fronts.map((f) => f.url) : l2.map((a) => a.url);
  const l2List = [...(opts.l2Before ?? []).map((u, i) => `fake${i}=${u}`), ...l2Urls.map((url, i) => `l2node${i}=${url}`)];
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    L2_UPSTREAMS: l2List.join(','),
    L1_UPSTREAMS: l1.map((a, i) => `l1node${i}=${a.url}`).join(','),
    DATA_DIR: dataDir,
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    HEAD_POLL_MS: '100',
    UPSTREAM_TIMEOUT_MS: '2000', // generous: a loaded CI machine must not look like a dead node
    BREAKER_COOLDOWN_MS: '500',
    ...opts.env,
  });
  const listenerErrors: unknown[] = [];
  const bus = new EventBus((err) => listenerErrors.push(err));
  const events: GatewayEvent[] = [];
  bus.onAny((e) => events.push(e));
  const lines: string[] = [];
  let telemetry: Telemetry | undefined;
  if (opts.telemetry) {
    const env = { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', LOG_REQUESTS: 'all', ...(opts.telemetry === true ? {} : opts.telemetry) };
    const destination = { write: (line: string) => void lines.push(line) };
    telemetry = await startTelemetry(bus, loadTelemetryConfig(env), { logDestination: destination });
  }
  let gw: Gateway;
  try {
    gw = await startGateway(config, { bus, ...(opts.clock ? { clock: opts.clock } : {}) });
  } catch (err) {
    // Nothing of this attempt may outlive it: a leftover node would keep the test process alive.
    await telemetry?.shutdown();
    await Promise.all(fronts.map((f) => f.close()));
    await Promise.all([...l2, ...l1].map((a) => a.kill()));
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  // As main.ts does: the database gauges (gateway_database_up...) read through the gateway.
  telemetry?.setStatsProvider(async () => ({ ...(await gw.counts()), databaseUp: true }));
  const address = `0x${Math.floor(Math.random() * 2 ** 48).toString(16).padStart(40, '0')}`;
  const { key } = await createMemberKey(gw.database, { address, label: 'test' });
  const url = (network: 'l1' | 'l2' = 'l2') => `${gw.url}/api/${key}/${network}`;
  const post = (body: string, network: 'l1' | 'l2' = 'l2') =>
    fetch(url(network), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(20_000),
    });
  let id = 0;
  return {
    gw,
    config,
    l2,
    l1,
    key,
    events,
    listenerErrors,
    fronts,
    logs: () => lines.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    async metrics() {
      if (!telemetry) throw new Error('started without telemetry');
      return (await fetch(`http://127.0.0.1:${telemetry.metricsPort}/metrics`)).text();
    },
    url,
    post,
    async rpc(method, params = [], network = 'l2') {
      const res = await post(JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }), network);
      return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
    },
    of<T extends EventType>(type: T) {
      return events.filter((e): e is EventOf<T> => e.type === type);
    },
    async stop() {
      await gw.stop();
      await telemetry?.shutdown();
      await Promise.all(fronts.map((f) => f.close()));
      await Promise.all([...l2, ...l1].map((a) => a.kill()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
}

/** Waits until the pool's head is the node's own head (read again on each poll), saying what the pool saw if never. */
export async function waitForPoolHead(tg: TestGateway, network: 'l1' | 'l2' = 'l2', timeoutMs = 15_000): Promise<number> {
  const node = (network === 'l2' ? tg.l2 : tg.l1)[0]!;
  const pool = tg.gw.pools[network]!;
  let target = -1;
  await waitFor(
    async () => {
      target = Number(await node.rpc<string>('eth_blockNumber'));
      return pool.head()?.number === target;
    },
    timeoutMs,
    () => `the ${network} pool head to reach ${target}: ${JSON.stringify(pool.status())}`,
  );
  return target;
}
