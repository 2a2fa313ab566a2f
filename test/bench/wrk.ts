// Drives one HTTP target with wrk (Debian package `wrk`: C and epoll, far faster than any Node loop on this
// machine) and reads what the server process spent on it from /proc: requests per second and latency from
// wrk, CPU microseconds per request from the kernel's accounting of the server's own process.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./post.lua', import.meta.url));
const VARY = fileURLToPath(new URL('./vary.lua', import.meta.url));
const TICK_US = 10_000; // USER_HZ is 100 on Linux: one clock tick is 10 ms

export interface WrkOptions {
  url: string;
  /** A JSON-RPC body to POST; absent: GET. */
  body?: string;
  connections: number;
  threads: number;
  durationS: number;
  /** pid of the server whose CPU time is charged to the run. */
  serverPid?: number;
  /** `body` holds "__ADDR__", replaced per request by a unique address (vary.lua): no two calls alike. */
  vary?: boolean;
}

export interface WrkResult {
  requests: number;
  /** Non-2xx answers plus socket errors. */
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** The server process's CPU time (user + system) per request, in microseconds. */
  cpuUsPerRequest?: number;
}

export function haveWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined; // wrk --version exits 1; a missing binary is ENOENT
}

/** user + system CPU ticks of a process, from /proc/<pid>/stat. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime and stime: fields 14 and 15 of the whole line
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = ['-t', String(o.threads), '-c', String(o.connections), '-d', `${o.durationS}s`, '--latency', '--timeout', '10s'];
  if (o.body !== undefined) args.push('-s', o.vary ? VARY : SCRIPT);
  args.push(o.url);
  const before = o.serverPid === undefined ? undefined : cpuTicks(o.serverPid);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { env: { ...process.env, WRK_BODY: o.body ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const result: WrkResult = parseWrk(out);
  if (o.serverPid !== undefined && before !== undefined && result.requests > 0) {
    result.cpuUsPerRequest = ((cpuTicks(o.serverPid) - before) * TICK_US) / result.requests;
  }
  return result;
}

/** Reads wrk's --latency report. */
export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const latency = (pct: string) => {
    const m = new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((s, n) => s + Number(n), 0) : 0;
  return {
    requests: num(/(\d+) requests in/),
    errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + socketErrors,
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
  };
}
