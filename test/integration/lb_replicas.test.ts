// Replicas behind a real load balancer: Debian's nginx with the config rendered from compose's template
// (compose/nginx/templates/gateway.conf.template), in front of gateway processes on one PostgreSQL schema and one
// Anvil pair. 32 readers call through nginx throughout: SIGKILL one replica, then start a third and SIGTERM the
// second: not one read fails. nginx's logs never hold the API key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { startAnvil, type Anvil } from '../helpers/anvil.ts';
import { waitFor } from '../helpers/gateway.ts';
import { freePort, startGatewayProcess, type GatewayProcess } from '../helpers/gatewayProcess.ts';
import { startNginx, type NginxLb } from '../helpers/nginxConfig.ts';
import { testSchema } from '../helpers/schema.ts';

const READERS = 32;
const schema = testSchema('lb_replicas');
const cleanup: Array<() => Promise<unknown>> = [];

test.after(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  await schema.drop();
});

interface Tally {
  ok: number;
  failed: number;
  failures: string[];
}

/** `READERS` loops of reads through `base` until stopped; every answer that is not a good result is a failure. */
function readers(url: string) {
  const tally: Tally = { ok: 0, failed: 0, failures: [] };
  let running = true;
  const methods = ['eth_blockNumber', 'eth_chainId', 'eth_getBalance'];
  const loop = async (n: number) => {
    for (let i = 0; running; i++) {
      const method = methods[(n + i) % methods.length] as string;
      const params = method === 'eth_getBalance' ? [`0x${'11'.repeat(20)}`, 'latest'] : [];
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: i, method, params }),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        const body = JSON.parse(text) as { result?: unknown };
        if (res.status === 200 && body.result !== undefined) tally.ok++;
        else throw new Error(`HTTP ${res.status} ${text.slice(0, 200)}`);
      } catch (err) {
        tally.failed++;
        if (tally.failures.length < 10) tally.failures.push(`${method}: ${(err as Error).message}`);
      }
    }
  };
  const done = Promise.all(Array.from({ length: READERS }, (_, n) => loop(n)));
  return {
    tally,
    async stop() {
      running = false;
      await done;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SIGKILL one replica, then SIGTERM another while a third takes over: 32 readers, no failed read', async () => {
  const [l2, l1] = (await Promise.all([startAnvil({ chainId: 42161, blockTime: 1 }), startAnvil({ chainId: 1 })])) as [Anvil, Anvil];
  cleanup.push(() => Promise.all([l2.kill(), l1.kill()]));
  const database = await schema.open();
  const { key } = await createMemberKey(database, { address: `0x${'5e'.repeat(20)}`, label: 'lb' });
  await database.close();

  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: schema.url,
    L2_UPSTREAMS: `l2node=${l2.url}`,
    L1_UPSTREAMS: `l1node=${l1.url}`,
    METRICS_PORT: '0',
    ORCHESTRATOR_SYNC_ENABLED: 'false',
    TRUST_PROXY: 'true',
    DRAIN_GRACE_MS: '2000',
  };
  const start = async (port?: number): Promise<GatewayProcess> => {
    const gw = await startGatewayProcess(env, 60_000, port);
    cleanup.push(async () => gw.child.kill('SIGKILL'));
    return gw;
  };
  const [a, b] = await Promise.all([start(), start()]);
  // The third replica's place exists from the start, as in a scaled service; nothing listens there yet.
  const cPort = await freePort();
  const lb: NginxLb = await startNginx({ port: await freePort(), servers: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`, `127.0.0.1:${cPort}`] });
  cleanup.push(() => lb.stop());
  const url = `${lb.base}/api/${key}/l2`;

  const load = readers(url);
  try {
    await sleep(1500);
    const beforeKill = load.tally.ok;
    a.child.kill('SIGKILL');
    await sleep(2000);
    assert.ok(load.tally.ok > beforeKill, 'reads answered after the SIGKILL');

    await start(cPort);
    // nginx marked the third place failed while nothing listened there (fail_timeout=5s): let a read find it up.
    await waitFor(() => lastUpstreamStatus(lb.accessLog(), cPort) === '200', 15_000, 'the third replica to answer through nginx');

    const beforeTerm = load.tally.ok;
    b.child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => b.child.once('exit', (c2) => resolve(c2)));
    assert.is(code, 0, 'the second replica drained cleanly');
    await sleep(2000);
    assert.ok(load.tally.ok > beforeTerm, 'reads answered after the SIGTERM');
    const after = load.tally.ok;
    await sleep(500);
    assert.ok(load.tally.ok > after, 'the third replica alone answers');
  } finally {
    await load.stop();
  }
  assert.equal(load.tally.failures, [], `${load.tally.failed} failed of ${load.tally.ok + load.tally.failed}`);
  assert.is(load.tally.failed, 0);
  assert.ok(load.tally.ok > 200, `${load.tally.ok} reads`);

  // Retries happened (a try that failed, then another replica), and no log line holds the key.
  const access = lb.accessLog();
  const retried = access.split('\n').filter((l) => /upstream=\S+, /.test(l)).length;
  console.log(`${load.tally.ok} reads through nginx, 0 failed; ${retried} retried on another replica`);
  assert.match(access, /upstream=127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+/, 'some reads were retried on the next replica');
  assert.match(access, /"POST \/api\/<key>\/l2"/);
  assert.not.ok(access.includes(key), 'the access log never holds the key');
  assert.not.ok(lb.errorLog().includes(key), 'nor the error log');
});

/** The status of the last access-log line whose last try went to this port. */
function lastUpstreamStatus(log: string, port: number): string | undefined {
  const lines = log.trim().split('\n').reverse();
  for (const line of lines) {
    const m = /upstream=([^ ]+(?:, [^ ]+)*) status=(\S+(?:, \S+)*)$/.exec(line);
    if (!m) continue;
    const addrs = (m[1] as string).split(', ');
    const statuses = (m[2] as string).split(', ');
    if (addrs.at(-1) === `127.0.0.1:${port}`) return statuses.at(-1);
  }
  return undefined;
}

test.run();
