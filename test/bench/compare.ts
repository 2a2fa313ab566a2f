// npm run bench:compare -- <other checkout>: the gateway of this checkout and of another (an earlier commit in a
// git worktree, with its dependencies installed) under the same wrk load, interleaved round by round so the
// machine's drift falls on both alike. Prints the median CPU µs per request and req/s of each.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAnvil } from '../helpers/anvil.ts';
import { haveWrk, runWrk, type WrkResult } from './wrk.ts';

const other = process.argv[2];
if (!other || !haveWrk()) {
  console.error('usage: npm run bench:compare -- <path of another checkout> (needs wrk)');
  process.exit(2);
}
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const trees = { this: fileURLToPath(new URL('../..', import.meta.url)), other: resolve(other) };

/** Each tree's gateway from its TypeScript sources under tsx, so that only the code differs, not the build. */
function start(tree: string, args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const entry = existsSync(join(tree, 'test/bench/gatewayServer.mjs')) ? ['test/bench/gatewayServer.mjs', 'gateway/src'] : ['test/bench/gatewayServer.ts'];
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry, ...args], { cwd: tree, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) res({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once('exit', (code) => rej(new Error(`gateway in ${tree} exited with ${code}`)));
  });
}

const anvil = await startAnvil({ chainId: 42161 });
await anvil.rpc('anvil_mine', ['0x100']);
const HIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x1', false] });
const PASS = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionCount', params: [`0x${'42'.repeat(20)}`, 'pending'] });
const cases: Array<[string, string[], string]> = [
  ['cache hit', [anvil.url], HIT],
  ['cache hit + telemetry', [anvil.url, 'telemetry'], HIT],
  ['pass-through', [anvil.url], PASS],
];
const results = new Map<string, WrkResult[]>();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, args, body] of cases) {
      for (const tree of round % 2 ? (['this', 'other'] as const) : (['other', 'this'] as const)) {
        const { child, url } = await start(trees[tree], [...args]);
        try {
          const o = { url, body, connections: 32, threads: 2 };
          await runWrk({ ...o, durationS: 1 });
          const r = await runWrk({ ...o, durationS: DURATION_S, serverPid: child.pid });
          const key = `${name} (${tree})`;
          results.set(key, [...(results.get(key) ?? []), r]);
          console.error(`round ${round} ${key}: ${r.rps.toFixed(0)} req/s, ${r.cpuUsPerRequest?.toFixed(1)} µs CPU/req`);
        } finally {
          child.kill('SIGKILL');
        }
      }
    }
  }
} finally {
  await anvil.kill();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\n${ROUNDS} interleaved rounds, wrk -t2 -c32, ${DURATION_S} s each; this = ${trees.this}, other = ${trees.other}\n`);
console.log('| path | this: µs CPU/req | other: µs CPU/req | this: req/s | other: req/s |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name] of cases) {
  const t = results.get(`${name} (this)`)!;
  const o = results.get(`${name} (other)`)!;
  const us = (rs: WrkResult[]) => median(rs.map((r) => r.cpuUsPerRequest ?? NaN)).toFixed(1);
  const rps = (rs: WrkResult[]) => median(rs.map((r) => r.rps)).toFixed(0);
  console.log(`| ${name} | ${us(t)} | ${us(o)} | ${rps(t)} | ${rps(o)} |`);
}
