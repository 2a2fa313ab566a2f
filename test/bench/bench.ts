// npm run bench: the gateway's cache-hit and pass-through paths next to bare baselines, measured in one run
// on one machine with wrk (see wrk.ts), so the ratios mean something despite the machine's noise.
// Each target runs in its own process; wrk charges the server's own CPU time per request from /proc.
// Targets are benchmark targets, never test assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startAnvil } from '../helpers/anvil.ts';
import { haveWrk, runWrk, type WrkResult } from './wrk.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

if (!haveWrk()) {
  console.error('npm run bench needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk).');
  process.exit(2);
}

interface Started {
  child: ChildProcess;
  url: string;
  base?: string;
}

function startChild(script: string, args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${here}${script}`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ...(JSON.parse(line) as { url: string; base?: string }) });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
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
  script: string;
  args: string[];
  body?: string;
  path?: 'healthz';
}

async function measure(t: Target): Promise<WrkResult> {
  const started = await startChild(t.script, t.args);
  try {
    const url = t.path === 'healthz' ? `${started.base}/healthz` : started.url;
    await check(url, t.body);
    const common = { url, body: t.body, connections: CONNECTIONS, threads: THREADS };
    await runWrk({ ...common, durationS: 1 }); // warm-up: JIT, connection set-up, the first cache fill
    return await runWrk({ ...common, durationS: DURATION_S, serverPid: started.child.pid });
  } finally {
    started.child.kill('SIGKILL');
  }
}

const anvil = await startAnvil({ chainId: 42161 });
await anvil.rpc('anvil_mine', ['0x100']); // block 1 is then far below Anvil's finalized block
const HIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x1', false] });
// 'pending' is never cached: every call goes to the node, in the gateway as in the bare proxy
const PASS = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionCount', params: [`0x${'42'.repeat(20)}`, 'pending'] });

const targets: Target[] = [
  { name: 'bare memory server', script: 'baselineServer.ts', args: ['memory', anvil.url], body: HIT },
  { name: 'bare Koa memory server', script: 'baselineServer.ts', args: ['koa', anvil.url], body: HIT },
  { name: 'gateway GET /healthz', script: 'gatewayServer.ts', args: [anvil.url], path: 'healthz' },
  { name: 'gateway cache hit', script: 'gatewayServer.ts', args: [anvil.url], body: HIT },
  { name: 'gateway cache hit + telemetry', script: 'gatewayServer.ts', args: [anvil.url, 'telemetry'], body: HIT },
  { name: 'gateway cache hit + telemetry, every request logged', script: 'gatewayServer.ts', args: [anvil.url, 'telemetry-all'], body: HIT },
  { name: 'bare proxy', script: 'baselineServer.ts', args: ['proxy', anvil.url], body: PASS },
  { name: 'gateway pass-through', script: 'gatewayServer.ts', args: [anvil.url], body: PASS },
];
const results = new Map<string, WrkResult[]>();
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
} finally {
  await anvil.kill();
}

// The median round of each target, by req/s.
const median = (name: string) => [...results.get(name)!].sort((a, b) => b.rps - a.rps)[Math.floor((ROUNDS - 1) / 2)]!;
const row = (name: string, base?: string, target?: number) => {
  const r = median(name);
  const ratio = base ? r.rps / median(base).rps : undefined;
  const verdict = ratio === undefined ? '' : `${ratio.toFixed(2)}x ${base}${target === undefined ? '' : ` (target >= ${target}x: ${ratio >= target ? 'met' : 'MISSED'})`}`;
  return `| ${name} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.cpuUsPerRequest?.toFixed(1) ?? '?'} | ${r.errors} | ${verdict} |`;
};
console.log(`\nwrk -t${THREADS} -c${CONNECTIONS}, ${DURATION_S} s per run after 1 s of warm-up, ${ROUNDS} rounds (median shown), node ${process.version}\n`);
console.log('| target | req/s | p50 ms | p99 ms | server CPU µs/req | errors | ratio |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
console.log(row('bare memory server'));
console.log(row('bare Koa memory server', 'bare memory server'));
console.log(row('gateway GET /healthz', 'bare memory server'));
console.log(row('gateway cache hit', 'bare memory server', 0.6));
console.log(row('gateway cache hit + telemetry', 'gateway cache hit', 0.9));
console.log(row('gateway cache hit + telemetry, every request logged', 'gateway cache hit'));
console.log(row('bare proxy'));
console.log(row('gateway pass-through', 'bare proxy', 0.95));
const overhead = 1 - median('gateway cache hit + telemetry').rps / median('gateway cache hit').rps;
console.log(`\ntelemetry overhead on the cache-hit path: ${(overhead * 100).toFixed(1)} % with the defaults (target <= 10 %)`);
