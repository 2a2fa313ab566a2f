// The access check the HTTP layer uses: the key resolver (cached key -> member), the usage meter (requests
// per key and network, flushed in batches), and the listener that evicts keys other replicas changed.
import type { Config } from '../config.ts';
import type { EventBus } from '../events.ts';
import type { Network } from '../common/network.ts';
import type { Database } from '../store/db.ts';
import { KeyChangeListener, notifyKeysChanged, type KeyChange } from '../store/keyChanges.ts';
import { UsageRepo } from '../store/usage.ts';
import { KeyResolver, type KeyCheck, type KeyResolverOptions } from './keyResolver.ts';
import { UsageMeter, type UsageMeterOptions } from './usageMeter.ts';

export interface MemberAccessOptions {
  resolver?: KeyResolverOptions;
  usage?: UsageMeterOptions;
}

export class MemberAccess {
  readonly keys: KeyResolver;
  readonly usage: UsageMeter;
  /** Undefined on the embedded database: PGlite's socket does not carry notifications, the key cache TTL bounds staleness. */
  readonly listener: KeyChangeListener | undefined;

  constructor(
    private readonly database: Database,
    cfg: Pick<Config, 'access' | 'membership'>,
    bus: EventBus,
    options: MemberAccessOptions = {},
  ) {
    const flushIntervalMs = cfg.membership.usageFlushMs;
    this.keys = new KeyResolver(database, cfg.access, bus, { flushIntervalMs, ...options.resolver });
    this.usage = new UsageMeter(new UsageRepo(database.db), bus, { flushIntervalMs, ...options.usage });
    this.listener = database.kind === 'postgres' ? new KeyChangeListener(database.db, (c) => this.keys.evict(c), { bus }) : undefined;
  }

  resolve(key: string): Promise<KeyCheck> {
    return this.keys.resolve(key);
  }

  knownValid(key: string): boolean {
    return this.keys.knownValid(key);
  }

  /** One request made with this key on this network: last-used time and usage counts, written in batches. */
  touch(keyId: string, network: Network): void {
    this.keys.touch(keyId);
    this.usage.count(keyId, network);
  }

  /** Forget the changed keys here at once, and tell the other replicas. Never throws. */
  async keysChanged(change: KeyChange): Promise<void> {
    this.keys.evict(change);
    await notifyKeysChanged(this.database.db, change).catch(() => {});
  }

  async start(): Promise<void> {
    this.keys.start();
    this.usage.start();
    await this.listener?.start();
  }

  async stop(): Promise<void> {
    await this.listener?.stop();
    await Promise.all([this.keys.stop(), this.usage.stop()]);
  }
}
