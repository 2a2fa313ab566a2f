// npm run bench:fleet: 100 orchestrators, each with its own key, replaying go-livepeer's request mix and cadence
// (test/helpers/fleet.ts: block and log polls and eth_gasPrice every 5 s, then a round start with the
// BondingManager pool walk at `latest` and a reward transaction with receipt polls every second) against the
// compiled gateway on PostgreSQL, in front of one Anvil node mining a block every 250 ms (Arbitrum One's rate).
// A counting front before the node counts what reaches it. Reports client calls, upstream calls, offload, errors
// and latency; JSON in bench/results/, and the fleet section of docs/BENCHMARKS.md.
// Targets (never test assertions): >= 92 % offload, 0 errors, p99 <= 100 ms.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { fleetAccounts, runFleet, type CallRecord } from '../helpers/fleet.ts';
import { startServedGateway } from '../helpers/gatewayProcess.ts';
import { writeSummary } from './report.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ORCHESTRATORS = Number(process.env.FLEET_ORCHESTRATORS ?? 100);
const POOL = Number(process.env.FLEET_POOL ?? 100);
const POLL_MS = Number(process.env.FLEET_POLL_MS ?? 5000);
const LATEST_MAX_AGE_MS = process.env.CACHE_LATEST_MAX_AGE_MS;
const HEAD_POLL_MS = process.env.HEAD_POLL_MS;

if (!process.env.DATABASE_URL) {
  console.error('npm run bench:fleet needs DATABASE_URL (a PostgreSQL the bench may create a schema in).');
  process.exit(2);
}

spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const served = await startServedGateway({
  schema: 'bench_fleet',
  front: true,
  compiled: true,
  l2: { blockTime: 0.25 },
  env: {
    LOG_LEVEL: 'warn',
    ...(LATEST_MAX_AGE_MS === undefined ? {} : { CACHE_LATEST_MAX_AGE_MS: LATEST_MAX_AGE_MS }),
    ...(HEAD_POLL_MS === undefined ? {} : { HEAD_POLL_MS }),
  },
});
let report: string[] = [];
try {
  const { gw, l2, database } = served;
  const accounts = fleetAccounts(ORCHESTRATORS);
  const urls: string[] = [];
  for (const a of accounts) {
    await l2.rpc('anvil_setBalance', [a.address, '0x56bc75e2d63100000']);
    const { key } = await createMemberKey(database, { address: a.address, label: 'fleet' });
    urls.push(`${gw.base}/api/${key}/l2`);
  }
  const front = served.front!;
  const before = front.received.length;
  console.error(`fleet: ${ORCHESTRATORS} orchestrators, pool walk over ${POOL}, polls every ${POLL_MS} ms, blocks every 250 ms`);
  const result = await runFleet({
    url: urls,
    accounts,
    chainId: 42161,
    poolSize: POOL,
    pollMs: POLL_MS,
    roundStartMs: 2 * POLL_MS,
    tailMs: 2 * POLL_MS,
    receiptPollMs: 1000,
    txTimeoutMs: 60_000,
  });
  const upstream = front.received.slice(before);
  const failed = result.calls.filter((c) => c.error);
  const pct = (list: CallRecord[], q: number) => {
    const ms = list.map((c) => c.ms).sort((a, b) => a - b);
    return ms.length ? ms[Math.min(ms.length - 1, Math.floor(ms.length * q))]! : NaN;
  };
  const byMethod = (list: Array<{ method: string }>) => {
    const m: Record<string, number> = {};
    for (const c of list) m[c.method] = (m[c.method] ?? 0) + 1;
    return m;
  };
  const clientBy = byMethod(result.calls);
  const upstreamBy = byMethod(upstream);
  const offload = 1 - upstream.length / result.calls.length;
  const burst = result.calls.filter((c) => c.phase === 'round');
  const polls = result.calls.filter((c) => c.phase === 'poll');
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim() || 'unknown';
  const when = new Date().toISOString();
  const p99 = pct(result.calls, 0.99);
  report = [
    `Run ${when.slice(0, 16).replace('T', ' ')} UTC at ${commit}, node ${process.version}: ${ORCHESTRATORS} orchestrators (a key each), pool walk over ` +
      `${POOL} transcoders, polls every ${POLL_MS} ms, Anvil mining every 250 ms, CACHE_LATEST_MAX_AGE_MS ${LATEST_MAX_AGE_MS ?? 'default'}, HEAD_POLL_MS ${HEAD_POLL_MS ?? 'default'}; ` +
      `${(result.wallMs / 1000).toFixed(0)} s.`,
    '',
    '| | client calls | reached the node | offload | errors | p50 ms | p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| all | ${result.calls.length} | ${upstream.length} | ${(offload * 100).toFixed(1)} % | ${failed.length} | ${pct(result.calls, 0.5).toFixed(1)} | ${p99.toFixed(1)} |`,
    `| polls | ${polls.length} | | | ${polls.filter((c) => c.error).length} | ${pct(polls, 0.5).toFixed(1)} | ${pct(polls, 0.99).toFixed(1)} |`,
    `| round start | ${burst.length} | | | ${burst.filter((c) => c.error).length} | ${pct(burst, 0.5).toFixed(1)} | ${pct(burst, 0.99).toFixed(1)} |`,
    '',
    'By method (client calls → calls that reached the node): ' +
      Object.keys(clientBy)
        .sort()
        .map((m) => `${m} ${clientBy[m]} → ${upstreamBy[m] ?? 0}`)
        .join('; ') +
      `. Rewards mined: ${result.mined} of ${ORCHESTRATORS}.`,
    '',
    '| target | goal | measured | verdict |',
    '| --- | --- | --- | --- |',
    `| offload | >= 92 % | ${(offload * 100).toFixed(1)} % | ${offload >= 0.92 ? 'met' : '**missed**'} |`,
    `| errors | 0 | ${failed.length} | ${failed.length === 0 ? 'met' : '**missed**'} |`,
    `| p99 | <= 100 ms | ${p99.toFixed(1)} ms | ${p99 <= 100 ? 'met' : '**missed**'} |`,
  ];
  if (failed.length) console.error(`first failures: ${failed.slice(0, 5).map((c) => `${c.method}: ${c.error}`).join(' | ')}`);
  console.log(`\n${report.join('\n')}`);
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${when.slice(0, 19).replace(/[:T]/g, '-')}-${commit}-fleet.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        kind: 'fleet',
        when,
        commit,
        node: process.version,
        orchestrators: ORCHESTRATORS,
        pool: POOL,
        pollMs: POLL_MS,
        latestMaxAgeMs: LATEST_MAX_AGE_MS ?? 'default',
        wallMs: result.wallMs,
        clientCalls: result.calls.length,
        upstreamCalls: upstream.length,
        offload,
        errors: failed.length,
        p50Ms: pct(result.calls, 0.5),
        p99Ms: p99,
        rewardsMined: result.mined,
        clientByMethod: clientBy,
        upstreamByMethod: upstreamBy,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nresults: ${file}`);
} finally {
  await served.stop();
}
if (report.length) writeSummary(join(root, 'docs/BENCHMARKS.md'), 'fleet', report.join('\n'));
