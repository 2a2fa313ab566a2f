// The embedded database (PGlite) of a DATA_DIR, shared by processes through a unix socket in that directory.
// PGlite admits one process: the owner opens it and serves it on the socket; every other process (the admin
// command, a second gateway) connects to the socket, and takes ownership over when the owner is gone.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { StoreError } from './errors.ts';
import { openPglite } from './embeddedInit.ts';
import { readHolder, releaseLock, tryAcquireLock } from './embeddedLock.ts';

/** The port in the socket file name (`.s.PGSQL.<port>`), as PostgreSQL clients expect it. */
export const EMBEDDED_PORT = 5432;
const MAX_SOCKET_PATH_BYTES = 103; // sun_path is 104 bytes on macOS, 108 on Linux, NUL included
const MAX_CONNECTIONS = 32;

export interface EmbeddedServer {
  /** What a PostgreSQL client connects to: host is the socket directory. */
  readonly host: string;
  readonly port: number;
  readonly socketPath: string;
  /** True while this process holds the PGlite and serves the socket. */
  readonly owner: boolean;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** How long to wait for a live owner that does not answer yet (it may still be starting). */
  waitMs?: number;
  /** How often a non-owner checks that the owner still answers, to take over when it is gone. */
  watchMs?: number;
  onError?: (err: unknown) => void;
}

export async function openEmbedded(dataDir: string, options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const dir = resolve(dataDir);
  const socketPath = join(dir, `.s.PGSQL.${EMBEDDED_PORT}`);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new StoreError(`DATA_DIR ${dir} is too long for a unix socket path (max ${MAX_SOCKET_PATH_BYTES} bytes with the socket name); choose a shorter DATA_DIR`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create DATA_DIR ${dir}: ${(err as Error).message}`, err);
  }
  const host = new EmbeddedHost(dir, socketPath, options);
  await host.establish(options.waitMs ?? 30_000);
  host.watch(options.watchMs ?? 1000);
  return host;
}

interface Serving {
  pglite: PGlite;
  server: PGLiteSocketServer;
}

class EmbeddedHost implements EmbeddedServer {
  readonly port = EMBEDDED_PORT;
  private readonly lockPath: string;
  private serving: Serving | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private work: Promise<void> = Promise.resolve();

  constructor(
    readonly host: string,
    readonly socketPath: string,
    private readonly options: EmbeddedOptions,
  ) {
    this.lockPath = join(host, 'pglite.lock');
  }

  get owner(): boolean {
    return this.serving !== undefined;
  }

  async establish(waitMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await socketAnswers(this.socketPath)) return;
      if (tryAcquireLock(this.lockPath)) {
        this.serving = await this.serve();
        return;
      }
      if (Date.now() > deadline) {
        const pid = readHolder(this.lockPath)?.pid ?? 'unknown';
        throw new StoreError(
          `the embedded database in ${this.host} is held by process ${pid}, which does not answer on ${this.socketPath}; ` +
            `if no gateway or admin command uses this DATA_DIR, delete ${this.lockPath}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** While not the owner, check the owner still answers; take over when it has gone (a rolling restart). */
  watch(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.work = this.work.then(() => this.takeOverIfOrphaned());
    }, intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.work;
    const serving = this.serving;
    this.serving = undefined;
    if (!serving) return;
    try {
      await serving.server.stop();
      await serving.pglite.close();
    } finally {
      rmSync(this.socketPath, { force: true });
      releaseLock(this.lockPath);
    }
  }

  private async takeOverIfOrphaned(): Promise<void> {
    if (this.closed || this.serving) return;
    try {
      if (await socketAnswers(this.socketPath)) return;
      if (this.closed || !tryAcquireLock(this.lockPath)) return;
      this.serving = await this.serve();
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  // Called holding the lock, so a socket file still there was left by a crashed owner.
  private async serve(): Promise<Serving> {
    let pglite: PGlite | undefined;
    try {
      rmSync(this.socketPath, { force: true });
      pglite = await openPglite(join(this.host, 'pglite'));
      const server = new PGLiteSocketServer({ db: pglite, path: this.socketPath, maxConnections: MAX_CONNECTIONS });
      await server.start();
      chmodSync(this.socketPath, 0o600); // the socket has no password: only this user may connect
      return { pglite, server };
    } catch (err) {
      await pglite?.close().catch(() => {});
      releaseLock(this.lockPath);
      throw new StoreError(`cannot open the embedded database in ${this.host}: ${(err as Error).message}`, err);
    }
  }
}

/** True when a process accepts connections on the socket; false for no file or a stale one. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(path);
    const finish = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      done(answer);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
