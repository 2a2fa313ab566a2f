// The gateway as an operator runs it: `gateway/src/main.ts` in its own process, on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './gateway.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  /** http://127.0.0.1:PORT */
  base: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed so far (the last 200 000 characters). */
  output(): string;
  /** SIGTERM, SIGKILL after 10 s; resolves to the exit code (null when killed). */
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Starts the gateway with exactly `env` plus HOST and PORT, and waits until /healthz answers. */
export async function startGatewayProcess(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A short drain grace unless the test sets one: every stop() is a SIGTERM.
    env: { DRAIN_GRACE_MS: '200', ...env, HOST: '127.0.0.1', PORT: String(port) },
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-200_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const gateway: GatewayProcess = {
    base,
    port,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      return exited;
    },
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}: ${out.slice(-2000)}`);
        return (await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true;
      },
      timeoutMs,
      'the gateway to listen',
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return gateway;
}
