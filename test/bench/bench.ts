// npm run bench: the gateway's cache-hit and pass-through paths next to bare node:http baselines,
// measured in one run on one machine, so the ratios mean something despite the machine's noise.
// Targets (not tests): cache hit >= 0.6x the bare memory server; pass-through >= 0.8x the bare proxy;
// telemetry costs the cache-hit path at most 15 %.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startAnvil } from '../helpers/anvil.ts';
import type { LoadOptions, LoadResult } from './load.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

function startChild(script: string, args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${here}${script}`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function load(url: string, body: string): Promise<LoadResult> {
  const opts: LoadOptions = { url, body, connections: CONNECTIONS, durationMs: DURATION_MS, warmupMs: 1000 };
  const child = spawn(process.execPath, ['--import', 'tsx', `${here}loadProcess.ts`, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((r) => child.once('exit', r));
  return JSON.parse(out) as LoadResult;
}

async function measure(script: string, args: string[], body: string): Promise<LoadResult> {
  const { child, url } = await startChild(script, args);
  try {
    return await load(url, body);
  } finally {
    child.kill('SIGKILL');
  }
}

const anvil = await startAnvil({ chainId: 42161 });
await anvil.rpc('anvil_mine', ['0x100']); // block 1 is then far below Anvil's finalized block
const HIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x1', false] });
// 'pending' is never cached: every call goes to the node, in the gateway as in the bare proxy
const PASS = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionCount', params: [`0x${'42'.repeat(20)}`, 'pending'] });

const targets: Array<[string, string, string[], string]> = [
  ['bare memory server', 'baselineServer.ts', ['memory', anvil.url], HIT],
  ['gateway cache hit', 'gatewayServer.ts', [anvil.url], HIT],
  ['gateway cache hit + telemetry', 'gatewayServer.ts', [anvil.url, 'telemetry'], HIT],
  ['gateway cache hit + telemetry, every request logged', 'gatewayServer.ts', [anvil.url, 'telemetry-all'], HIT],
  ['bare proxy', 'baselineServer.ts', ['proxy', anvil.url], PASS],
  ['gateway pass-through', 'gatewayServer.ts', [anvil.url], PASS],
];
const results = new Map<string, LoadResult[]>();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, script, args, body] of targets) {
      const r = await measure(script, args, body);
      results.set(name, [...(results.get(name) ?? []), r]);
      console.error(`round ${round} ${name}: ${r.rps.toFixed(0)} req/s p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms errors ${r.errors}`);
    }
  }
} finally {
  await anvil.kill();
}

// The median round of each target (by req/s); with 2 rounds, the better one.
const best = (name: string) => [...results.get(name)!].sort((a, b) => b.rps - a.rps)[Math.floor((ROUNDS - 1) / 2)]!;
const row = (name: string, base?: string, target?: number) => {
  const r = best(name);
  const ratio = base ? r.rps / best(base).rps : undefined;
  const verdict = ratio === undefined ? '' : `${ratio.toFixed(2)}x ${base} (target >= ${target}x: ${ratio >= target! ? 'met' : 'MISSED'})`;
  return `| ${name} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.errors} | ${verdict} |`;
};
const overhead = 1 - best('gateway cache hit + telemetry').rps / best('gateway cache hit').rps;
console.log(`\n${CONNECTIONS} connections, ${DURATION_MS} ms per run, ${ROUNDS} rounds, node ${process.version}\n`);
console.log('| target | req/s | p50 ms | p99 ms | errors | ratio |');
console.log('| --- | --- | --- | --- | --- | --- |');
console.log(row('bare memory server'));
console.log(row('gateway cache hit', 'bare memory server', 0.6));
console.log(row('gateway cache hit + telemetry', 'gateway cache hit', 0.85));
console.log(row('gateway cache hit + telemetry, every request logged', 'gateway cache hit', 0.85));
console.log(row('bare proxy'));
console.log(row('gateway pass-through', 'bare proxy', 0.8));
const overheadAll = 1 - best('gateway cache hit + telemetry, every request logged').rps / best('gateway cache hit').rps;
console.log(`\ntelemetry overhead on the cache-hit path: ${(overhead * 100).toFixed(1)} % with the defaults (target <= 15 %), ${(overheadAll * 100).toFixed(1)} % with every request logged`);
