// The key check the JSON-RPC route uses: the key resolver (cached key -> member), the usage meter (requests per
// key and network, flushed in batches), and the listener that evicts keys other replicas changed. gateway.ts
// builds the parts; this object only puts them behind one face.
import type { Network } from '../common/network.ts';
import type { KeyChange, KeyChangeListener } from '../store/keyChanges.ts';
import type { KeyCheck, KeyResolver } from './keyResolver.ts';
import type { UsageMeter } from './usageMeter.ts';

export interface MemberAccessParts {
  keys: KeyResolver;
  usage: UsageMeter;
  /** Absent on the embedded database: PGlite's socket does not carry notifications, the key cache TTL bounds staleness. */
  listener?: KeyChangeListener;
  /** Tells the other replicas which keys changed (a NOTIFY). */
  notify(change: KeyChange): Promise<void>;
}

export class MemberAccess {
  readonly keys: KeyResolver;
  readonly usage: UsageMeter;

  constructor(private readonly parts: MemberAccessParts) {
    this.keys = parts.keys;
    this.usage = parts.usage;
  }

  resolve(key: string, hash?: string): Promise<KeyCheck> {
    return this.keys.resolve(key, hash);
  }

  cached(key: string, hash?: string): KeyCheck | undefined {
    return this.keys.cached(key, hash);
  }

  knownValid(key: string, hash?: string): boolean {
    return this.keys.knownValid(key, hash);
  }

  /** One request made with this key on this network: last-used time and usage counts, written in batches. */
  touch(keyId: string, network: Network): void {
    this.keys.touch(keyId);
    this.usage.count(keyId, network);
  }

  /** Forget the changed keys here at once, and tell the other replicas. Never throws. */
  async keysChanged(change: KeyChange): Promise<void> {
    this.keys.evict(change);
    await this.parts.notify(change).catch(() => {});
  }

  async start(): Promise<void> {
    this.keys.start();
    this.usage.start();
    await this.parts.listener?.start();
  }

  async stop(): Promise<void> {
    await this.parts.listener?.stop();
    await Promise.all([this.keys.stop(), this.usage.stop()]);
  }
}
