// Real Anvil nodes for tests and benchmarks, on loopback only.
// We spawn the native binary, not the npm launcher, so SIGSTOP/SIGKILL reach the node itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export function anvilBinary(): string {
  const pkg = require.resolve(`@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}/package.json`);
  return join(dirname(pkg), 'bin', 'anvil');
}

export interface AnvilOptions {
  chainId?: number;
  port?: number; // 0 (default) picks a free port
  /** Seconds between blocks; undefined mines on each transaction. */
  blockTime?: number;
  /** Anvil's finalized block is head - 2 * slotsInAnEpoch. */
  slotsInAnEpoch?: number;
  extraArgs?: string[];
}

export interface Anvil {
  url: string;
  port: number;
  process: ChildProcess;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** SIGSTOP, resolved once every thread is stopped: the node accepts connections but never answers. */
  pause(): Promise<void>;
  resume(): void;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** Start again on the same port (state is lost: Anvil keeps it in memory). */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  let port = options.port ?? 0;
  let child = await launch(options, port);
  port = child.port;
  const url = `http://127.0.0.1:${port}`;
  let id = 0;
  const anvil: Anvil = {
    url,
    port,
    process: child.process,
    async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json()) as { result?: T; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result as T;
    },
    async pause() {
      const p = anvil.process;
      p.kill('SIGSTOP');
      // kill() returns before the signal is delivered; a thread still running on another core could
      // answer one more request. Wait until the kernel reports every thread stopped.
      if (p.pid !== undefined) await untilStopped(p.pid);
    },
    resume() {
      anvil.process.kill('SIGCONT');
    },
    async kill() {
      const p = anvil.process;
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGCONT');
      p.kill('SIGKILL');
      await exited;
      live.delete(p);
    },
    async restart() {
      await anvil.kill();
      child = await launch(options, port);
      anvil.process = child.process;
    },
  };
  return anvil;
}

async function launch(options: AnvilOptions, port: number): Promise<{ process: ChildProcess; port: number }> {
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(options.chainId ?? 31337)];
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.slotsInAnEpoch !== undefined) args.push('--slots-in-an-epoch', String(options.slotsInAnEpoch));
  args.push(...(options.extraArgs ?? []));
  for (let tries = 0; ; tries++) {
    const proc = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    try {
      const bound = await new Promise<number>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`anvil did not start: ${out.slice(-500)}`)), 15_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          const m = /Listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            proc.stdout?.off('data', onData);
            proc.stdout?.resume(); // keep draining so the pipe never fills
            resolve(Number(m[1]));
          }
        };
        proc.stdout?.on('data', onData);
        proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`anvil exited with ${code}: ${out.slice(-500)}`));
        });
      });
      proc.stderr?.resume();
      return { process: proc, port: bound };
    } catch (err) {
      proc.kill('SIGKILL');
      // a restart on a fixed port can race the old socket's release
      if (tries >= 20 || port === 0) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Anvil's default funded accounts (the well-known test mnemonic). Never use on a real network. */
export const TEST_PRIVATE_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3b07eba2b4dcc5d0',
] as const;

/** Resolves once every thread of pid is in the stopped state (Linux /proc); gives up after 2 s. */
async function untilStopped(pid: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    try {
      const tasks = readdirSync(`/proc/${pid}/task`);
      // The state is the field after the parenthesised command name, which may itself hold spaces.
      const states = tasks.map((t) => {
        const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      });
      if (states.every((st) => st === 'T' || st === 't')) return;
    } catch {
      return; // no /proc, or the process is gone: nothing more to wait for
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`anvil ${pid} did not stop within 2 s of SIGSTOP`);
}
