// Revocations and deactivations reach every replica through PostgreSQL LISTEN/NOTIFY: a writer announces
// which keys (or which members' keys) changed, each gateway's listener evicts them from its key cache.
// The embedded PGlite does not deliver notifications across its socket's connections: there the cache TTL bounds it.
import type pgPromise from 'pg-promise';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { StoreErrorEvent } from './events.ts';
import { backoffDelay } from '../common/backoff.ts';
import { address } from '../evm/hex.ts';
import { describeDbError } from './errors.ts';

type Listening = Awaited<ReturnType<pgPromise.IDatabase<unknown>['connect']>>;

export const KEY_CHANGES_CHANNEL = 'gateway_key_changes';
/** PostgreSQL refuses payloads of 8000 bytes or more; a larger change is announced as "everything". */
const MAX_PAYLOAD_BYTES = 7900;

export interface KeyChange {
  keyIds?: readonly string[];
  /** Members whose keys all changed (membership granted, revoked, restored). */
  address?: string;
  addresses?: readonly string[];
  /** Forget every cached key (a listener that reconnected may have missed announcements). */
  all?: boolean;
}

/** Tell every listening gateway that these keys changed; resolves once PostgreSQL has queued the notification. */
export async function notifyKeysChanged(db: pgPromise.IBaseProtocol<unknown>, change: KeyChange): Promise<void> {
  const payload = encodeKeyChange(change);
  if (payload === undefined) return;
  await db.any('SELECT pg_notify($1, $2)', [KEY_CHANGES_CHANNEL, payload]);
}

export function encodeKeyChange(change: KeyChange): string | undefined {
  const keyIds = (change.keyIds ?? []).filter((id) => /^\d{1,19}$/.test(id));
  const addresses = [...(change.addresses ?? []), ...(change.address ? [change.address] : [])].map((a) => a.toLowerCase());
  if (!change.all && keyIds.length === 0 && addresses.length === 0) return undefined;
  const text = JSON.stringify(change.all ? { all: true } : { k: keyIds, a: addresses });
  return Buffer.byteLength(text) > MAX_PAYLOAD_BYTES ? '{"all":true}' : text;
}

/** The change a payload announces; anything unreadable means "everything", which only costs re-reads. */
export function decodeKeyChange(payload: string | undefined): KeyChange {
  try {
    const v = JSON.parse(payload ?? '') as { all?: unknown; k?: unknown; a?: unknown };
    if (v.all === true) return { all: true };
    const keyIds = Array.isArray(v.k) ? v.k.filter((x): x is string => typeof x === 'string') : [];
    const addresses = Array.isArray(v.a) ? v.a.filter((x): x is string => address(x) === x) : []; // lower-case, as announced
    return { keyIds, addresses };
  } catch {
    return { all: true };
  }
}

export interface KeyChangeListenerOptions {
  bus?: Emitter<StoreErrorEvent | InternalErrorEvent>;
  /** First reconnect delay after the connection is lost; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often the idle connection is checked, so a silently dead one is replaced. Default 30 s. */
  pingMs?: number;
}

/**
 * Holds one dedicated connection LISTENing on the channel. On loss it reconnects with backoff, and after
 * a reconnect reports "everything changed" since announcements may have been missed meanwhile. Never throws.
 */
export class KeyChangeListener {
  private connection: Listening | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private everConnected = false;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly db: pgPromise.IDatabase<unknown>,
    private readonly onChange: (change: KeyChange) => void,
    private readonly options: KeyChangeListenerOptions = {},
  ) {}

  /** Connects (or schedules retries); resolves once the first attempt is over. */
  start(): Promise<void> {
    this.stopped = false;
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** True while LISTENing. */
  listening(): boolean {
    return this.connection !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    await this.connecting;
    const c = this.connection;
    this.connection = undefined;
    if (c) await Promise.resolve(c.done(true)).catch(() => {});
  }

  private async connect(): Promise<void> {
    let c: Listening | undefined;
    try {
      const connected = await this.db.connect({ direct: true });
      c = connected;
      connected.client.on('notification', (msg: { channel: string; payload?: string }) => {
        if (msg.channel === KEY_CHANGES_CHANNEL) this.deliver(decodeKeyChange(msg.payload));
      });
      // 'error' comes with most losses, 'end' with all of them; lost() acts once per connection.
      connected.client.on('error', (err: unknown) => this.lost(connected, err));
      connected.client.on('end', () => this.lost(connected, new Error('connection ended')));
      await c.none('LISTEN $1:name', [KEY_CHANGES_CHANNEL]);
    } catch (err) {
      if (c) await Promise.resolve(c.done(true)).catch(() => {});
      this.report(err);
      this.retry();
      return;
    }
    if (this.stopped) {
      await Promise.resolve(c.done(true)).catch(() => {});
      return;
    }
    this.connection = c;
    // Keys cached while no connection listened may have changed unannounced: forget them all.
    const missed = this.everConnected || this.failures > 0;
    this.failures = 0;
    if (missed) this.deliver({ all: true });
    this.everConnected = true;
    clearInterval(this.pinger);
    this.pinger = setInterval(() => void this.ping(), this.options.pingMs ?? 30_000);
    this.pinger.unref();
  }

  private async ping(): Promise<void> {
    const c = this.connection;
    if (!c) return;
    // A failed ping means the connection is gone even if no event said so.
    await c.one('SELECT 1 AS ok').catch((err: unknown) => this.lost(c, err));
  }

  private lost(c: Listening, err: unknown): void {
    if (this.connection !== c) return; // not the current connection: already handled, or being closed
    this.connection = undefined;
    clearInterval(this.pinger);
    void Promise.resolve(c.done(true)).catch(() => {});
    if (this.stopped) return;
    this.report(err);
    this.retry();
  }

  private retry(): void {
    if (this.stopped) return;
    this.failures++;
    const base = this.options.retryMs ?? 500;
    const delay = backoffDelay(this.failures, { baseMs: base, maxMs: Math.max(base, this.options.maxRetryMs ?? 30_000), jitter: 0.2 });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.start(), delay);
    this.timer.unref();
  }

  private deliver(change: KeyChange): void {
    try {
      this.onChange(change);
    } catch (err) {
      this.options.bus?.emit({ type: 'gateway.error', where: 'key_changes', message: err instanceof Error ? err.message : String(err) });
    }
  }

  private report(err: unknown): void {
    this.options.bus?.emit({ type: 'store.error', operation: 'key_changes_listen', message: describeDbError(err) });
  }
}
