// Shared by the alerting tests: the Prometheus/Alertmanager binaries, running them on loopback with
// temp storage, rendering the Alertmanager config, and a loopback receiver playing Discord and a webhook.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from '../helpers/gatewayProcess.ts';

/** A port that was free a moment ago (the daemons need it on their command line). */
export { freePort };

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** The first of `names` on PATH, or an error telling which Debian package provides it. */
export function requireBinary(names: string[], debianPackage: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      const full = join(dir, name);
      if (existsSync(full)) return full;
    }
  }
  throw new Error(`${names.join(' or ')} not found on PATH: install the Debian package "${debianPackage}" (apt-get install ${debianPackage})`);
}

export const binaries = {
  promtool: () => requireBinary(['promtool'], 'prometheus'),
  prometheus: () => requireBinary(['prometheus'], 'prometheus'),
  amtool: () => requireBinary(['amtool'], 'prometheus-alertmanager'),
  // Debian names the daemon prometheus-alertmanager; upstream tarballs call it alertmanager.
  alertmanager: () => requireBinary(['prometheus-alertmanager', 'alertmanager'], 'prometheus-alertmanager'),
};

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? root, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}


export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

export interface Daemon {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a daemon and waits until `readyPath` answers 200 on 127.0.0.1:port. */
async function startDaemon(bin: string, args: string[], port: number, readyPath: string): Promise<Daemon> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  };
  try {
    await waitFor(
      `${bin} on ${url}${readyPath}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${out.slice(-2000)}`);
        const res = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(1000) });
        return res.ok ? true : undefined;
      },
      20_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, process: child, output: () => out, stop };
}

export async function startAlertmanager(configFile: string): Promise<Daemon> {
  const port = await freePort();
  const storage = tempDir('am-data');
  return startDaemon(
    binaries.alertmanager(),
    [
      `--config.file=${configFile}`,
      `--storage.path=${storage}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // no gossip: a single test instance
      '--log.level=debug',
    ],
    port,
    '/-/ready',
  );
}

/** Writes `dir`/prometheus.yml: the rules in `dir`/rules, one Alertmanager, the gateway's metrics as job "gateway". */
export function writePrometheusConfig(dir: string, o: { intervalS: number; alertmanagerUrl: string; metricsPort: number }): string {
  const file = join(dir, 'prometheus.yml');
  const every = `${o.intervalS}s`;
  writeFileSync(
    file,
    stringify({
      global: { scrape_interval: every, evaluation_interval: every },
      rule_files: ['rules/*.yml'],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(o.alertmanagerUrl).host] }] }] },
      scrape_configs: [{ job_name: 'gateway', static_configs: [{ targets: [`127.0.0.1:${o.metricsPort}`] }] }],
    }),
  );
  return file;
}

export async function startPrometheus(configFile: string): Promise<Daemon> {
  const port = await freePort();
  const storage = tempDir('prom-data');
  return startDaemon(
    binaries.prometheus(),
    [`--config.file=${configFile}`, `--storage.tsdb.path=${storage}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle'],
    port,
    '/-/ready',
  );
}

/** Renders alerts/alertmanager into `outDir` with the production script. */
export function renderAlertmanager(outDir: string, env: Record<string, string>): Promise<RunResult> {
  return run('sh', [join(root, 'alerts/alertmanager/render-config.sh'), join(root, 'alerts/alertmanager'), outDir], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
}

/** Seconds instead of the production 10s/30s waits; routing, receivers and inhibition stay as rendered. */
export function shortenTimings(file: string): void {
  const config = parse(readFileSync(file, 'utf8'));
  const shorten = (route: Record<string, unknown>) => {
    route.group_wait = '1s';
    route.group_interval = '1s';
    route.repeat_interval = '1h';
    for (const child of (route.routes as Array<Record<string, unknown>> | undefined) ?? []) shorten(child);
  };
  shorten(config.route);
  writeFileSync(file, stringify(config));
}

export interface Received {
  path: string;
  body: any;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A loopback HTTP server that records every JSON POST (Discord webhook, Alertmanager webhook) and answers 204. */
export function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      try {
        received.push({ path: req.url ?? '', body: JSON.parse(body), at: Date.now() });
        res.statusCode = 204;
      } catch {
        res.statusCode = 400; // not JSON: the test will see nothing recorded
      }
      res.end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        received,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
