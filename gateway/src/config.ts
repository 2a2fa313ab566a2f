// Typed, validated configuration: environment variables, plus an optional JSON file for per-node options.
// The environment wins. Every default runs. Each module declares the settings it takes (upstream/config.ts,
// portal/config.ts, membership/config.ts...); this file reads them all and is imported only by the root.
import { readFileSync } from 'node:fs';
import { ConfigError, envBool as bool, envInt as int, envList as list, envRatio, type Env } from './common/env.ts';
import type { Network } from './common/network.ts';
import { DEFAULT_DENY } from './evm/methods.ts';
import { loadMembershipConfig, type MembershipConfig } from './membership/config.ts';
import { loadPortalConfig, type PortalConfig } from './portal/config.ts';
import type { NetworkConfig, NodeConfig, UpstreamConfig } from './upstream/config.ts';

export interface Config {
  host: string;
  port: number;
  /** Base URL members see in the portal and the admin output, e.g. https://rpc.example.org */
  publicUrl: string;
  networks: Record<Network, NetworkConfig>;
  databaseUrl?: string;
  dataDir: string;
  upstream: UpstreamConfig;
  cache: {
    enabled: boolean;
    maxEntries: number;
    maxBytes: number;
    /** Bound on how long head-dependent answers live, even if the head is not seen to move. At most 2000. */
    headTtlMs: number;
    /** How long a `latest` answer is shared across head changes (monotonic per member); at most headTtlMs. */
    latestMaxAgeMs: number;
    /** How many blocks a shared `latest` answer may be behind the tracked head. */
    latestMaxBlocks: number;
    finalizedTtlMs: number;
  };
  limits: {
    maxBodyBytes: number;
    maxBatch: number;
  };
  methods: {
    /** Method patterns refused before any node sees them; `prefix_*` or exact names. */
    deny: string[];
    /** Exceptions to `deny`. */
    allow: string[];
  };
  access: {
    keyCacheTtlMs: number;
    keyCacheMax: number;
    /**
     * Requests with keys the database does not know, per client IP: each costs a database query, so a
     * client past this rate is refused before the look-up. Keys already known valid are never limited.
     */
    unknownKeyPerMinute: number;
    unknownKeyBurst: number;
  };
  /** On SIGTERM: how long new connections are still served (a load balancer's time to notice), and the most the whole drain may take. */
  drain: { graceMs: number; timeoutMs: number };
  /**
   * Connection limits against slow clients: the whole header block must arrive within headersTimeoutMs and the
   * whole request within requestTimeoutMs; an idle keep-alive connection is closed after keepAliveTimeoutMs.
   */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  /** Sign-in and the member portal (portal/config.ts). */
  portal: PortalConfig;
  /** The active-set sync, the grace period, usage flushing (membership/config.ts). */
  membership: MembershipConfig;
}

export { ConfigError };

export const DEFAULT_L2_UPSTREAMS = 'arbitrum-foundation=https://arb1.arbitrum.io/rpc,publicnode=https://arbitrum-one-rpc.publicnode.com';
export const DEFAULT_L1_UPSTREAMS = 'publicnode=https://ethereum-rpc.publicnode.com,llamarpc=https://eth.llamarpc.com';
/** Namespaces and methods refused unless METHOD_DENY says otherwise: the method table decides (evm/methods.ts). */
export const DEFAULT_METHOD_DENY: readonly string[] = DEFAULT_DENY;


interface FileConfig {
  l1?: { nodes?: Array<Partial<NodeConfig>> };
  l2?: { nodes?: Array<Partial<NodeConfig>> };
}

export function loadConfig(env: Env = process.env): Config {
  const file = env.CONFIG_FILE ? readConfigFile(env.CONFIG_FILE) : {};
  const port = int(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST?.trim() || '0.0.0.0';
  const upstreamTimeout = int(env, 'UPSTREAM_TIMEOUT_MS', 4000, 50, 120_000);
  const headPollMs = int(env, 'HEAD_POLL_MS', 1000, 50, 60_000);
  const config: Config = {
    host,
    port,
    publicUrl: (env.PUBLIC_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, ''),
    networks: {
      l2: {
        network: 'l2',
        nodes: nodes(env, file, 'l2', 'L2_UPSTREAMS', DEFAULT_L2_UPSTREAMS),
        lagThreshold: int(env, 'L2_LAG_THRESHOLD', 40, 1, 1_000_000),
        headPollMs,
      },
      l1: {
        network: 'l1',
        nodes: nodes(env, file, 'l1', 'L1_UPSTREAMS', DEFAULT_L1_UPSTREAMS),
        lagThreshold: int(env, 'L1_LAG_THRESHOLD', 3, 1, 1_000_000),
        headPollMs,
      },
    },
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: env.DATA_DIR?.trim() || './data',
    upstream: {
      timeoutMs: upstreamTimeout,
      getLogsTimeoutMs: int(env, 'GETLOGS_TIMEOUT_MS', Math.max(upstreamTimeout, 15_000), 50, 300_000),
      maxAttempts: int(env, 'MAX_ATTEMPTS', 4, 1, 20),
      breakerFailures: int(env, 'BREAKER_FAILURES', 3, 1, 1000),
      breakerCooldownMs: int(env, 'BREAKER_COOLDOWN_MS', 2000, 10, 3_600_000),
      breakerMaxCooldownMs: int(env, 'BREAKER_MAX_COOLDOWN_MS', 60_000, 10, 3_600_000),
      retryBackoffMs: int(env, 'RETRY_BACKOFF_MS', 50, 0, 10_000),
      lastResortTimeoutMs: int(env, 'LAST_RESORT_TIMEOUT_MS', 1000, 50, 120_000),
      lastResortDeadlineMs: int(env, 'LAST_RESORT_DEADLINE_MS', 2000, 50, 120_000),
      hedge: {
        enabled: bool(env, 'HEDGE_ENABLED', true),
        minDelayMs: int(env, 'HEDGE_MIN_DELAY_MS', 50, 1, 60_000),
        maxDelayMs: int(env, 'HEDGE_MAX_DELAY_MS', 500, 1, 60_000),
        maxShare: envRatio(env, 'HEDGE_MAX_SHARE', 0.1),
      },
    },
    cache: {
      enabled: bool(env, 'CACHE_ENABLED', true),
      maxEntries: int(env, 'CACHE_MAX_ENTRIES', 50_000, 1, 10_000_000),
      maxBytes: int(env, 'CACHE_MAX_BYTES', 128 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
      headTtlMs: int(env, 'CACHE_HEAD_TTL_MS', 2000, 1, 2000),
      latestMaxAgeMs: int(env, 'CACHE_LATEST_MAX_AGE_MS', 1000, 0, 2000),
      latestMaxBlocks: int(env, 'CACHE_LATEST_MAX_BLOCKS', 8, 0, 10_000),
      finalizedTtlMs: int(env, 'CACHE_FINALIZED_TTL_MS', 3_600_000, 1000, 30 * 24 * 3_600_000),
    },
    limits: {
      maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1024 * 1024, 256, 256 * 1024 * 1024),
      maxBatch: int(env, 'MAX_BATCH', 100, 1, 100_000),
    },
    methods: {
      deny: list(env.METHOD_DENY) ?? [...DEFAULT_METHOD_DENY],
      allow: list(env.METHOD_ALLOW) ?? [],
    },
    access: {
      keyCacheTtlMs: int(env, 'KEY_CACHE_TTL_MS', 5000, 0, 3_600_000),
      keyCacheMax: int(env, 'KEY_CACHE_MAX', 10_000, 1, 10_000_000),
      unknownKeyPerMinute: int(env, 'UNKNOWN_KEY_RATE_PER_MINUTE', 120, 1, 10_000_000),
      unknownKeyBurst: int(env, 'UNKNOWN_KEY_RATE_BURST', 60, 1, 10_000_000),
    },
    http: {
      headersTimeoutMs: int(env, 'HEADERS_TIMEOUT_MS', 20_000, 100, 600_000),
      requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 120_000, 100, 3_600_000),
      keepAliveTimeoutMs: int(env, 'KEEP_ALIVE_TIMEOUT_MS', 65_000, 100, 3_600_000),
    },
    drain: {
      graceMs: int(env, 'DRAIN_GRACE_MS', 5000, 0, 600_000),
      timeoutMs: int(env, 'DRAIN_TIMEOUT_MS', 25_000, 1000, 3_600_000),
    },
    portal: loadPortalConfig(env),
    membership: loadMembershipConfig(env),
  };
  if (config.upstream.hedge.maxDelayMs < config.upstream.hedge.minDelayMs) {
    throw new ConfigError('HEDGE_MAX_DELAY_MS', 'must be at least HEDGE_MIN_DELAY_MS');
  }
  if (config.upstream.breakerMaxCooldownMs < config.upstream.breakerCooldownMs) {
    throw new ConfigError('BREAKER_MAX_COOLDOWN_MS', 'must be at least BREAKER_COOLDOWN_MS');
  }
  if (config.cache.latestMaxAgeMs > config.cache.headTtlMs) {
    throw new ConfigError('CACHE_LATEST_MAX_AGE_MS', 'must be at most CACHE_HEAD_TTL_MS');
  }
  if (config.drain.timeoutMs <= config.drain.graceMs) {
    // Otherwise every drain would run out of time during the grace and exit 1 without flushing.
    throw new ConfigError('DRAIN_TIMEOUT_MS', 'must be more than DRAIN_GRACE_MS');
  }
  return config;
}

/**
 * `name=url` or `url`, comma-separated, in priority order. A name given twice is refused; a generated name
 * (host-port) that is already taken gets -2, -3...: every node's metrics and health are its own.
 */
export function parseUpstreams(variable: string, value: string): NodeConfig[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item, i) => {
      const eq = item.indexOf('=');
      const looksNamed = eq > 0 && !item.slice(0, eq).includes('://');
      const name = looksNamed ? item.slice(0, eq).trim() : '';
      const url = looksNamed ? item.slice(eq + 1).trim() : item;
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new ConfigError(variable, `item ${i + 1} is not a URL (expected "url" or "name=url")`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new ConfigError(variable, `item ${i + 1} must be an http(s) URL, got ${parsed.protocol}`);
      }
      return { name, url, generated: `${parsed.hostname}${parsed.port ? `-${parsed.port}` : ''}`, i };
    });
  const taken = new Set<string>();
  for (const { name } of items) {
    if (!name) continue;
    if (taken.has(name)) throw new ConfigError(variable, `node name "${name}" is used twice`);
    taken.add(name);
  }
  return items.map(({ name, url, generated, i }) => {
    let finalName = name;
    if (!finalName) {
      finalName = generated;
      for (let n = 2; taken.has(finalName); n++) finalName = `${generated}-${n}`;
      taken.add(finalName);
    }
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(finalName)) {
      throw new ConfigError(variable, `item ${i + 1}: node name must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    }
    return { name: finalName, url };
  });
}

function nodes(env: Env, file: FileConfig, network: Network, variable: string, fallback: string): NodeConfig[] {
  const fromEnv = env[variable];
  const fileNodes = file[network]?.nodes;
  if (fromEnv === undefined && fileNodes?.length) {
    return parseUpstreams(`CONFIG_FILE ${network}.nodes`, fileNodes.map((n) => `${n.name ? `${n.name}=` : ''}${n.url ?? ''}`).join(',')).map(
      (n, i) => withFileOptions(n, fileNodes[i]),
    );
  }
  const parsed = parseUpstreams(variable, fromEnv ?? fallback);
  // Per-node options from the file apply by name to the env's list.
  return parsed.map((n) => withFileOptions(n, fileNodes?.find((f) => f.name === n.name)));
}

function withFileOptions(node: NodeConfig, extra: Partial<NodeConfig> | undefined): NodeConfig {
  if (extra?.timeoutMs === undefined) return node;
  if (!Number.isInteger(extra.timeoutMs) || extra.timeoutMs < 50) {
    throw new ConfigError('CONFIG_FILE', `node ${node.name}: timeoutMs must be an integer >= 50`);
  }
  return { ...node, timeoutMs: extra.timeoutMs };
}

function readConfigFile(path: string): FileConfig {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    return parsed as FileConfig;
  } catch (err) {
    throw new ConfigError('CONFIG_FILE', `cannot read ${path}: ${(err as Error).message}`);
  }
}
