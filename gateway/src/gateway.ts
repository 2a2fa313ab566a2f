// The composition root: the one place that builds stores, repositories, pools, routers and loops and wires
// them together. main.ts calls it with the process's config; tests call it in-process to observe the bus.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { packageVersion } from './telemetry/version.ts';
import { KeyResolver } from './access/keyResolver.ts';
import { MemberAccess } from './access/memberAccess.ts';
import { UsageMeter } from './access/usageMeter.ts';
import { CachingCaller } from './cache/cachingCaller.ts';
import { ResponseCache } from './cache/store.ts';
import { systemClock, type Clock } from './common/clock.ts';
import { NETWORKS, type Network } from './common/network.ts';
import type { Config } from './config.ts';
import { EventBus } from './events.ts';
import { ActiveRequests } from './http/activeRequests.ts';
import { createApp, requestListener } from './http/app.ts';
import { clientErrorListener } from './http/clientErrors.ts';
import type { NetworkService } from './http/networks.ts';
import { rpcEndpoint } from './http/rpcRoute.ts';
import { statusRouter } from './http/statusRoutes.ts';
import { activeSetSink } from './membership/activeSet.ts';
import { callerTransport } from './orchestrators/callerTransport.ts';
import { createOrchestratorSync } from './orchestrators/create.ts';
import type { OrchestratorSync } from './orchestrators/sync.ts';
import { PortalMemberService } from './portal/memberService.ts';
import { MAX_FORM_BYTES } from './portal/http.ts';
import { createPortalRouter } from './portal/router.ts';
import { ApiKeyRepo } from './store/apiKeys.ts';
import { openDatabase, type Database } from './store/db.ts';
import { describeDbError } from './store/errors.ts';
import { KeyChangeListener, notifyKeysChanged, type KeyChange } from './store/keyChanges.ts';
import { AdvisoryLeaderLock } from './store/leaderLock.ts';
import { PgNonceStore } from './store/nonces.ts';
import { PgRateLimiter } from './store/rateBuckets.ts';
import type { ClientLimiter, RateLimitOptions } from './common/rateLimit.ts';
import { SessionRepo } from './store/sessions.ts';
import { readCounts, type GatewayCounts } from './store/stats.ts';
import { UsageRepo } from './store/usage.ts';
import { NodePool } from './upstream/pool.ts';

export const VERSION = packageVersion();

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
  /** Whether this replica is the one that syncs the active set (undefined when the sync is off). */
  syncLeader(): boolean | undefined;
  /** Members, keys and the active set as the dashboards count them (one query). */
  counts(): Promise<GatewayCounts>;
  /**
   * Stops without losing anything: /readyz answers 503 and every answer says Connection: close at once; new
   * connections are still served for `graceMs` (a load balancer's time to notice); then the listener closes,
   * requests in flight finish, and usage, last-used times and every buffered write are flushed.
   */
  drain(graceMs: number): Promise<void>;
  /** drain(0). */
  stop(): Promise<void>;
}

export interface GatewayOptions {
  bus?: EventBus;
  /** Whatever decides behaviour by time (TTLs, breakers, challenge and session lifetimes) reads this clock. */
  clock?: Clock;
}

export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const bus = options.bus ?? new EventBus();
  const now = options.clock ?? systemClock;
  const database = await openDatabase(config, { migrate: true, bus });
  const { db } = database;
  const storeError = (operation: string) => (err: unknown) => bus.emit({ type: 'store.error', operation, message: describeDbError(err) });

  // The key check on the request path, and the announcements that keep every replica's key cache honest.
  const flushIntervalMs = config.membership.usageFlushMs;
  const keys = new KeyResolver(new ApiKeyRepo(db), config.access, bus, { flushIntervalMs, now });
  const usage = new UsageMeter(new UsageRepo(db), bus, { flushIntervalMs, now });
  // PGlite's socket carries no notifications: on the embedded database the key cache TTL bounds staleness.
  const listener = database.kind === 'postgres' ? new KeyChangeListener(db, (c) => keys.evict(c), { bus }) : undefined;
  const access = new MemberAccess({ keys, usage, listener, notify: (c) => notifyKeysChanged(db, c) });
  const announce = (change: KeyChange) => access.keysChanged(change);
  await access.start();

  // Per network: the node pool, and the cache in front of it.
  const pools: Partial<Record<Network, NodePool>> = {};
  const networks: Partial<Record<Network, NetworkService>> = {};
  const cache = config.cache.enabled ? new ResponseCache(config.cache) : undefined;
  for (const network of NETWORKS) {
    const net = config.networks[network];
    if (net.nodes.length === 0) continue;
    const pool = new NodePool(net, config.upstream, bus, now);
    pools[network] = pool;
    const caller = new CachingCaller(network, pool, cache, config.cache, bus);
    bus.on('chain.reorg', (e) => {
      if (e.network === network) caller.reorged();
    });
    networks[network] = {
      caller,
      status: () => pool.status(),
      healthyCount: () => pool.healthyCount(),
      head: () => pool.head(),
    };
  }

  // The active set, read through this gateway's own L2 nodes when the source is the chain.
  // One replica per PostgreSQL syncs: the holder of an advisory lock on a connection of its own. The embedded
  // database has one gateway process, which leads.
  const { membership } = config;
  const leaderLock =
    membership.syncEnabled && database.kind === 'postgres'
      ? new AdvisoryLeaderLock(db, undefined, {
          onChange: (c) => bus.emit({ type: 'orchestrators.leader', leader: c.leader, reason: c.reason }),
          onError: (message) => bus.emit({ type: 'store.error', operation: 'sync_leader_lock', message }),
        })
      : undefined;
  const sync = membership.syncEnabled
    ? createOrchestratorSync(membership.orchestrators, {
        bus,
        l2Transport: callerTransport(networks.l2?.caller, { label: 'orchestrator-sync' }),
        sink: activeSetSink({ db, graceMs: membership.graceMs, announce }),
        leader: leaderLock,
      })
    : undefined;
  if (sync && !leaderLock) bus.emit({ type: 'orchestrators.leader', leader: true, reason: 'the only process (embedded database)' });

  // The sign-in and unknown-key limits: on PostgreSQL counted in the database, so replicas share one budget
  // instead of multiplying it; on the embedded database (one process) in memory.
  const sharedLimiter =
    database.kind === 'postgres'
      ? (scope: string, options: RateLimitOptions): ClientLimiter =>
          new PgRateLimiter(db, { ...options, scope, onError: (message) => bus.emit({ type: 'store.error', operation: 'rate_limit', message }) })
      : undefined;

  // The member portal on the shared database, so every replica agrees on nonces, sessions and members.
  const portal = createPortalRouter({
    config: { publicUrl: config.publicUrl, portal: config.portal },
    bus,
    networks,
    nonces: new PgNonceStore(db, { onSweepError: storeError('portal_sweep'), now }),
    sessions: new SessionRepo(db, { onSweepError: storeError('portal_sweep'), now }),
    members: new PortalMemberService(database, { operator: config.portal.operator, maxKeysPerMember: membership.maxKeysPerMember, announce }),
    now,
    limiter: sharedLimiter,
  });

  for (const pool of Object.values(pools)) pool.start();
  sync?.start(); // a failed sync (no network yet) retries with backoff; serving never waits for it

  let draining = false;
  const active = new ActiveRequests();
  const rpc = rpcEndpoint({
    bus,
    draining: () => draining,
    active,
    access,
    networks,
    methods: config.methods,
    limits: config.limits,
    unknownKeys: { perMinute: config.access.unknownKeyPerMinute, burst: config.access.unknownKeyBurst },
    unknownKeyLimiter: sharedLimiter?.('unknown_key', { perMinute: config.access.unknownKeyPerMinute, burst: config.access.unknownKeyBurst }),
    trustProxy: config.portal.trustProxy,
  });
  const status = statusRouter({ networks, database, version: VERSION, draining: () => draining });
  // Members' calls may be up to MAX_BODY_BYTES; portal forms and everything else far less.
  const bodyLimit = (path: string) => (path.startsWith('/api/') ? config.limits.maxBodyBytes : MAX_FORM_BYTES);
  const app = createApp({ bus, routers: [status, portal], bodyLimit, draining: () => draining, active });
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.http;
  // Node checks the header and request deadlines on an interval: a fraction of the shortest keeps the cut prompt.
  const checkEveryMs = Math.min(30_000, Math.max(50, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 4)));
  const server = createServer({ connectionsCheckingInterval: checkEveryMs }, requestListener(rpc, app));
  server.keepAliveTimeout = keepAliveTimeoutMs; // longer than common load balancers' idle timeout by default
  server.headersTimeout = headersTimeoutMs; // slow headers (slowloris) get 408 and the connection closed
  server.requestTimeout = requestTimeoutMs; // so does a body that never finishes
  server.on('clientError', clientErrorListener(bus)); // answered as Node would, and counted
  await listen(server, config.port, config.host);
  const port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  const drain = (graceMs: number) =>
    (stopping ??= (async () => {
      draining = true;
      if (graceMs > 0) await new Promise((resolve) => setTimeout(resolve, graceMs));
      // No new connections; idle ones close now, busy ones after the answer in flight (it says Connection: close).
      // The sweep catches a connection whose answer went out just before the drain began, idle a moment later.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearInterval(sweep);
      await active.idle(); // calls whose client went away still finish, and are counted, before the pools stop
      await sync?.stop();
      await leaderLock?.release(); // another replica takes the sync over at its next try
      await Promise.all(Object.values(pools).map((p) => p.stop()));
      await access.stop(); // the last usage counts and last-used times
      await database.close();
    })());
  return {
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
    port,
    bus,
    database,
    pools,
    access,
    sync,
    syncLeader: () => (sync ? (leaderLock?.isLeader() ?? true) : undefined),
    counts: () => readCounts(db),
    drain,
    stop: () => drain(0),
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
