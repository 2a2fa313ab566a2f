// npm run bench: the gateway's hot paths beside bare baselines, its added latency, its memory and its start-up,
// measured in one run on one machine with wrk (see wrk.ts), so the ratios mean something despite the noise.
//   1. Throughput: every target in its own process, driven by `wrk -t2 -c32`, round after round (interleaved,
//      so the machine's drift falls on all alike); the median round counts. wrk also charges each server the CPU
//      time its own process spent, per request (/proc), a figure the noise disturbs far less than req/s.
//   2. Added latency: the same paths under one connection (`wrk -t1 -c1`), where p50 is the path's own latency
//      and not a queue's.
//   3. Footprint: RSS on PostgreSQL with CACHE_MAX_ENTRIES=100000 filled and then under load; the embedded default
//      (npm start's) idle and after load; start-up to /readyz 200, first start (a new DATA_DIR) and restart.
// The gateway runs compiled (dist/, `npm run build`), as `npm start` runs it; baselines are plain JavaScript.
// Results: a table on stdout, JSON in bench/results/, and the summary section of docs/BENCHMARKS.md.
// Targets are benchmark targets, never test assertions.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAnvil } from '../helpers/anvil.ts';
import { writeSummary } from './report.ts';
import { haveWrk, runWrk, type WrkResult } from './wrk.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FILL_ENTRIES = Number(process.env.BENCH_FILL_ENTRIES ?? 100_000);
const DIST = join(root, 'dist/gateway/src');

if (!haveWrk()) {
  console.error('npm run bench needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk).');
  process.exit(2);
}

interface Started {
  child: ChildProcess;
  url: string;
  base?: string;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** A child that prints one JSON line {url, base?} once it serves. */
function startChild(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Started> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ...(JSON.parse(line) as { url: string; base?: string }) });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

/** One answer before the run: a target that answers with an error would measure its error path. */
async function check(url: string, body: string | undefined): Promise<void> {
  const res = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  if (!res.ok || text.includes('"error"')) throw new Error(`${url} answered ${res.status} ${text.slice(0, 200)}`);
}

interface Target {
  name: string;
  args: string[];
  body?: string;
  /** The body holds __ADDR__: a new address per request. */
  vary?: boolean;
  path?: 'healthz';
  env?: Record<string, string>;
}

async function measure(t: Target, connections = CONNECTIONS, threads = THREADS, durationS = DURATION_S): Promise<WrkResult> {
  const started = await startChild(t.args, { ...process.env, ...(t.env ?? {}) });
  try {
    const url = t.path === 'healthz' ? `${started.base}/healthz` : started.url;
    await check(url, t.vary ? t.body?.replace('__ADDR__', '42'.repeat(20)) : t.body);
    const common = { url, body: t.body, connections, threads, vary: t.vary === true };
    await runWrk({ ...common, durationS: 1 }); // warm-up: JIT, connection set-up, the first cache fill
    return await runWrk({ ...common, durationS, serverPid: started.child.pid });
  } finally {
    started.child.kill('SIGKILL');
  }
}

function rssMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), hwm: Math.round(kb('VmHWM') / 1024) };
}

async function waitReady(base: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${base}/readyz not 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const anvil = await startAnvil({ chainId: 42161 });
await anvil.rpc('anvil_mine', ['0x100']); // block 1 is then far below Anvil's finalized block
const HIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x1', false] });
// 'pending' is never cached, and every request asks about another address (vary.lua), so none shares an upstream
// call with another in flight: every call goes to the node, in the gateway as in the bare proxy.
const PASS = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionCount', params: ['0x__ADDR__', 'pending'] });
const gateway = (mode?: string): string[] => [`${here}gatewayServer.mjs`, DIST, anvil.url, ...(mode ? [mode] : [])];
const baseline = (mode: string): string[] => [`${here}baselineServer.mjs`, mode, anvil.url];

const targets: Target[] = [
  { name: 'bare memory server', args: baseline('memory'), body: HIT },
  { name: 'bare Koa memory server', args: baseline('koa'), body: HIT },
  { name: 'gateway GET /healthz', args: gateway(), path: 'healthz' },
  { name: 'gateway cache hit', args: gateway(), body: HIT },
  { name: 'gateway cache hit + telemetry', args: gateway('telemetry'), body: HIT },
  { name: 'gateway cache hit + telemetry, every request logged', args: gateway('telemetry-all'), body: HIT },
  { name: 'bare proxy', args: baseline('proxy'), body: PASS, vary: true },
  { name: 'gateway pass-through', args: gateway(), body: PASS, vary: true },
];

const results = new Map<string, WrkResult[]>();
const latency = new Map<string, WrkResult[]>();
const footprint: Record<string, number> = {};
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      const r = await measure(t);
      results.set(t.name, [...(results.get(t.name) ?? []), r]);
      console.error(
        `round ${round} ${t.name}: ${r.rps.toFixed(0)} req/s p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms ` +
          `${r.cpuUsPerRequest?.toFixed(1) ?? '?'} µs CPU/req errors ${r.errors}`,
      );
    }
  }
  // One connection: p50 is the path's own latency.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of ['bare memory server', 'gateway cache hit', 'bare proxy', 'gateway pass-through']) {
      const r = await measure(targets.find((t) => t.name === name)!, 1, 1);
      latency.set(name, [...(latency.get(name) ?? []), r]);
      console.error(`round ${round} ${name}, one connection: p50 ${r.p50Ms.toFixed(3)} ms p99 ${r.p99Ms.toFixed(3)} ms`);
    }
  }
  Object.assign(footprint, await measureFootprint());
} finally {
  await anvil.kill();
}

/** Distinct final answers, one per address (eth_getBalance at block 0x1): each a miss that leaves one entry. */
async function fillCache(url: string, count: number): Promise<number> {
  let next = 0;
  let ok = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const address = `0x${i.toString(16).padStart(40, '0')}`;
      const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_getBalance', params: [address, '0x1'] });
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if ((await res.text()).includes('"result"')) ok++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return ok;
}

/** RSS on PostgreSQL with the cache filled, and the embedded default's start-up and RSS. */
async function measureFootprint(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (process.env.DATABASE_URL) {
    const env = { ...process.env, BENCH_GATEWAY_ENV: JSON.stringify({ CACHE_MAX_ENTRIES: String(FILL_ENTRIES), CACHE_MAX_BYTES: String(512 * 1024 * 1024) }) };
    const gw = await startChild(gateway(), env);
    try {
      // Distinct final answers, one per address: each one is a miss, then an entry.
      const started = Date.now();
      const filled = await fillCache(gw.url, FILL_ENTRIES);
      console.error(`filled ${filled} distinct entries in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      out.pgFilledEntries = filled;
      out.pgRssFilledMb = rssMb(gw.child.pid!).rss;
      await runWrk({ url: gw.url, body: HIT, connections: CONNECTIONS, threads: THREADS, durationS: DURATION_S });
      const m = rssMb(gw.child.pid!);
      out.pgRssAfterLoadMb = m.rss;
      out.pgRssPeakMb = m.hwm;
    } finally {
      gw.child.kill('SIGKILL');
    }
  }
  // The embedded default, as npm start runs it (main.js), on a new DATA_DIR, then restarted on it.
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-bench-embedded-'));
  try {
    const port = 18000 + Math.floor(Math.random() * 1000);
    const env = {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      L2_UPSTREAMS: `a=${anvil.url}`,
      L1_UPSTREAMS: `b=${anvil.url}`,
      LOG_LEVEL: 'warn',
    };
    const base = `http://127.0.0.1:${port}`;
    for (const start of ['first', 'restart'] as const) {
      const t0 = performance.now();
      const child = spawn(process.execPath, [join(DIST, 'main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
      children.add(child);
      try {
        await waitReady(base);
        out[start === 'first' ? 'embeddedFirstStartMs' : 'embeddedRestartMs'] = Math.round(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 5000));
        out[start === 'first' ? 'embeddedIdleFirstStartMb' : 'embeddedIdleMb'] = rssMb(child.pid!).rss;
        if (start === 'restart') {
          const made = spawnSync(process.execPath, [join(DIST, 'admin.js'), 'key', 'create', '--address', `0x${'be'.repeat(20)}`], { env, encoding: 'utf8' });
          const key = made.stdout.trim().split('\n').pop()!;
          const url = `${base}/api/${key}/l2`;
          await check(url, HIT);
          await runWrk({ url, body: HIT, connections: CONNECTIONS, threads: THREADS, durationS: DURATION_S });
          await runWrk({ url, body: PASS, vary: true, connections: CONNECTIONS, threads: THREADS, durationS: DURATION_S });
          const m = rssMb(child.pid!);
          out.embeddedRssAfterLoadMb = m.rss;
          out.embeddedRssPeakMb = m.hwm;
        }
      } finally {
        child.kill('SIGINT');
        await new Promise((r) => child.once('exit', r));
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}

// The median round of each target, by req/s.
const median = (m: Map<string, WrkResult[]>, name: string) => {
  const list = [...m.get(name)!].sort((a, b) => b.rps - a.rps);
  return list[Math.floor((list.length - 1) / 2)]!;
};
const medianOf = (m: Map<string, WrkResult[]>, name: string, f: (r: WrkResult) => number) => {
  const list = m.get(name)!.map(f).sort((a, b) => a - b);
  return list[Math.floor((list.length - 1) / 2)]!;
};
const ratio = (name: string, base: string) => median(results, name).rps / median(results, base).rps;
const telemetryCost = 1 - ratio('gateway cache hit + telemetry', 'gateway cache hit');
const addedP50 = medianOf(latency, 'gateway pass-through', (r) => r.p50Ms) - medianOf(latency, 'bare proxy', (r) => r.p50Ms);
const addedP50Hit = medianOf(latency, 'gateway cache hit', (r) => r.p50Ms) - medianOf(latency, 'bare memory server', (r) => r.p50Ms);

interface Verdict {
  target: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}
const verdicts: Verdict[] = [
  { target: 'cache hit vs bare memory server', goal: '>= 0.60x', measured: `${ratio('gateway cache hit', 'bare memory server').toFixed(2)}x`, met: ratio('gateway cache hit', 'bare memory server') >= 0.6 },
  { target: 'pass-through vs bare proxy', goal: '>= 0.95x', measured: `${ratio('gateway pass-through', 'bare proxy').toFixed(2)}x`, met: ratio('gateway pass-through', 'bare proxy') >= 0.95 },
  { target: 'pass-through added p50, one connection', goal: '<= 0.30 ms', measured: `${addedP50.toFixed(3)} ms`, met: addedP50 <= 0.3 },
  { target: 'telemetry (defaults) on the cache hit', goal: '<= 10 %', measured: `${(telemetryCost * 100).toFixed(1)} %`, met: telemetryCost <= 0.1 },
];
const mb = (k: string, goal: number, label: string) => {
  if (footprint[k] !== undefined) verdicts.push({ target: label, goal: `<= ${goal} MB`, measured: `${footprint[k]} MB`, met: footprint[k]! <= goal });
};
mb('pgRssAfterLoadMb', 200, `RSS on PostgreSQL, ${footprint.pgFilledEntries ?? '?'} cached entries, under load`);
mb('embeddedIdleMb', 300, 'RSS embedded default, idle');
mb('embeddedIdleFirstStartMb', 300, 'RSS embedded default, idle after its first start');
mb('embeddedRssAfterLoadMb', 300, 'RSS embedded default, after load');
if (footprint.embeddedRestartMs !== undefined) {
  verdicts.push({ target: 'start-up to /readyz 200 (embedded, restart)', goal: '<= 3000 ms', measured: `${footprint.embeddedRestartMs} ms`, met: footprint.embeddedRestartMs <= 3000 });
  verdicts.push({
    target: 'start-up to /readyz 200 (embedded, first start on a new DATA_DIR)',
    goal: '<= 3000 ms',
    measured: `${footprint.embeddedFirstStartMs} ms`,
    met: footprint.embeddedFirstStartMs! <= 3000,
  });
}

const rowOf = (name: string, base?: string) => {
  const r = median(results, name);
  const vs = base ? `${ratio(name, base).toFixed(2)}x ${base}` : '';
  return `| ${name} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.cpuUsPerRequest?.toFixed(1) ?? '?'} | ${r.errors} | ${vs} |`;
};
const spread = (name: string) => {
  const rps = results.get(name)!.map((r) => r.rps);
  return (Math.max(...rps) - Math.min(...rps)) / Math.max(...rps);
};
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim() || 'unknown';
const when = new Date().toISOString();
const lines = [
  `Run ${when.slice(0, 16).replace('T', ' ')} UTC at ${commit}, node ${process.version}: \`wrk -t${THREADS} -c${CONNECTIONS}\`, ${DURATION_S} s per target after 1 s of warm-up,`,
  `${ROUNDS} interleaved rounds, median shown; the widest spread between rounds of one target was ${(Math.max(...targets.map((t) => spread(t.name))) * 100).toFixed(0)} %.`,
  '',
  '| target | req/s | p50 ms | p99 ms | server CPU µs/req | errors | ratio |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  rowOf('bare memory server'),
  rowOf('bare Koa memory server', 'bare memory server'),
  rowOf('gateway GET /healthz', 'bare memory server'),
  rowOf('gateway cache hit', 'bare memory server'),
  rowOf('gateway cache hit + telemetry', 'gateway cache hit'),
  rowOf('gateway cache hit + telemetry, every request logged', 'gateway cache hit'),
  rowOf('bare proxy'),
  rowOf('gateway pass-through', 'bare proxy'),
  '',
  `One connection (\`wrk -t1 -c1\`), p50: bare memory server ${medianOf(latency, 'bare memory server', (r) => r.p50Ms).toFixed(3)} ms, gateway cache hit ` +
    `${medianOf(latency, 'gateway cache hit', (r) => r.p50Ms).toFixed(3)} ms (+${addedP50Hit.toFixed(3)}); bare proxy ${medianOf(latency, 'bare proxy', (r) => r.p50Ms).toFixed(3)} ms, ` +
    `gateway pass-through ${medianOf(latency, 'gateway pass-through', (r) => r.p50Ms).toFixed(3)} ms (+${addedP50.toFixed(3)}).`,
  '',
  '| target | goal | measured | verdict |',
  '| --- | --- | --- | --- |',
  ...verdicts.map((v) => `| ${v.target} | ${v.goal} | ${v.measured} | ${v.met === undefined ? '' : v.met ? 'met' : '**missed**'} |`),
];
console.log(`\n${lines.join('\n')}`);

const resultsDir = join(root, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `${when.slice(0, 19).replace(/[:T]/g, '-')}-${commit}.json`);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      kind: 'bench',
      when,
      commit,
      node: process.version,
      wrk: { threads: THREADS, connections: CONNECTIONS, durationS: DURATION_S, rounds: ROUNDS },
      throughput: Object.fromEntries(results),
      oneConnection: Object.fromEntries(latency),
      footprint,
      verdicts,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nresults: ${file}`);
writeSummary(join(root, 'docs/BENCHMARKS.md'), 'bench', lines.join('\n'));

