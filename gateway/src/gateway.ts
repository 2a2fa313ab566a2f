// The composition root: the one place that wires modules together. main.ts calls it with the
// process's config; tests call it in-process to observe the bus.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { createActiveSetSync } from './access/activeSetSync.ts';
import { MemberAccess } from './access/memberAccess.ts';
import { CachingCaller } from './cache/cachingCaller.ts';
import { ResponseCache } from './cache/store.ts';
import type { Config } from './config.ts';
import { EventBus } from './events.ts';
import type { Network } from './common/network.ts';
import { createApp, type NetworkService } from './http/app.ts';
import { portalStores } from './http/portalRouter.ts';
import type { OrchestratorSync } from './orchestrators/sync.ts';
import { openDatabase, type Database } from './store/db.ts';
import { NodePool } from './upstream/pool.ts';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const VERSION = pkg.version;

export interface Gateway {
  url: string;
  port: number;
  bus: EventBus;
  database: Database;
  pools: Partial<Record<Network, NodePool>>;
  /** Key checks, usage counting, and eviction of keys changed elsewhere. */
  access: MemberAccess;
  /** The active-set sync, unless ORCHESTRATOR_SYNC_ENABLED is off. */
  sync: OrchestratorSync | undefined;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  bus?: EventBus;
  /** Called after the bus exists and before any traffic: telemetry subscribes here. */
  beforeListen?: (gateway: Omit<Gateway, 'url' | 'port' | 'stop'>) => Promise<void> | void;
}

export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const bus = options.bus ?? new EventBus();
  const database = await openDatabase(config, { migrate: true, bus });
  const access = new MemberAccess(database, config, bus);
  await access.start();

  const pools: Partial<Record<Network, NodePool>> = {};
  const services: Partial<Record<Network, NetworkService>> = {};
  const cache = config.cache.enabled ? new ResponseCache(config.cache) : undefined;
  for (const network of ['l2', 'l1'] as const) {
    const net = config.networks[network];
    if (net.nodes.length === 0) continue;
    const pool = new NodePool(net, config.upstream, bus);
    const caller = new CachingCaller(network, pool, cache, config.cache, bus);
    pools[network] = pool;
    services[network] = {
      caller,
      status: () => pool.status(),
      healthyCount: () => pool.healthyCount(),
      head: () => pool.head(),
    };
  }

  const sync = config.membership.syncEnabled
    ? createActiveSetSync({ database, config: config.membership, bus, l2: services.l2?.caller, announce: (c) => access.keysChanged(c) })
    : undefined;

  await options.beforeListen?.({ bus, database, pools, access, sync });
  for (const pool of Object.values(pools)) pool.start();
  sync?.start(); // a failed sync (no network yet) retries with backoff; serving never waits for it

  const portal = portalStores(database, config, bus, (c) => access.keysChanged(c));
  const app = createApp({ config, bus, access, networks: services, database, version: VERSION, portal });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  await listen(server, config.port, config.host);
  const port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
    port,
    bus,
    database,
    pools,
    access,
    sync,
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await sync?.stop();
        await Promise.all(Object.values(pools).map((p) => p.stop()));
        await access.stop();
        await database.close();
      })()),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
