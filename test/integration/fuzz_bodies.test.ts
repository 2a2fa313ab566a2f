// The fuzzer: 10,000 seeded hostile bodies against the gateway as operators run it (its own process, PostgreSQL,
// a real Anvil behind a counting node). Every answer must be a well-formed JSON-RPC answer (never the gateway's
// internal error), ids must come back as written, known calls must get their right result, the process must live
// on with bounded memory, and no malformed call may reach the node. FUZZ_SEED and FUZZ_CASES replay or widen a run.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FakeNode } from '../helpers/fakeNode.ts';
import { startServedGateway, type GatewayProcess, type ServedGateway } from '../helpers/gatewayProcess.ts';
import { hostileCases, type HostileCase } from '../helpers/hostile.ts';
import { expectationOf, rawIdOf, responseProblem, upstreamProblem } from '../helpers/jsonRpcOracle.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 8_2026);
const COUNT = Number(process.env.FUZZ_CASES ?? 10_000);
const LIMITS = { maxBodyBytes: 512 * 1024, maxBatch: 100 };
let served: ServedGateway;
let gw: GatewayProcess;
let counted: FakeNode;
let key: string;

test.before(async () => {
  served = await startServedGateway({
    schema: 'test_fuzz',
    front: true,
    env: { MAX_BODY_BYTES: String(LIMITS.maxBodyBytes), MAX_BATCH: String(LIMITS.maxBatch) },
  });
  ({ gw, key } = served);
  counted = served.front!;
});

test.after(async () => {
  await served?.stop();
});

interface Reply {
  status: number;
  text: string;
}

function send(agent: Agent, c: HostileCase): Promise<Reply> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'content-length': c.body.length };
    if (c.contentType !== undefined) headers['content-type'] = c.contentType;
    const req = request({ agent, host: '127.0.0.1', port: gw.port, path: `/api/${key}/l2`, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: -1, text: 'response broken' }));
    });
    req.on('error', (err) => resolve({ status: -1, text: `request failed: ${err.message}` }));
    req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
    req.end(c.body);
  });
}

/** What is wrong with the answer to `c`; undefined when it is right. */
function judge(c: HostileCase, reply: Reply): string | undefined {
  const want = expectationOf(c.body, LIMITS);
  if (want.kind === 'none') return reply.status === 204 && reply.text === '' ? undefined : `only notifications, yet ${reply.status} ${reply.text.slice(0, 80)}`;
  if (![200, 400, 413].includes(reply.status)) return `HTTP ${reply.status}`;
  let answer: unknown;
  try {
    answer = JSON.parse(reply.text);
  } catch {
    return 'the answer is not JSON';
  }
  if (want.kind === 'batch') {
    if (!Array.isArray(answer)) return 'a batch answered with a single object';
    if (answer.length !== want.answers) return `${answer.length} answers for ${want.answers} calls that need one`;
    for (const a of answer) {
      const problem = responseProblem(a);
      if (problem) return `batch entry: ${problem}`;
    }
    return undefined;
  }
  const problem = responseProblem(answer);
  if (problem) return problem;
  const r = answer as { id: unknown; result?: unknown; error?: { code: number } };
  if (want.kind === 'error') {
    if (r.id !== null) return `id ${JSON.stringify(r.id)} where only null can be known`;
    if (r.error?.code !== want.code) return `error code ${r.error?.code}, expected ${want.code}`;
    return undefined;
  }
  if (c.idText !== undefined && rawIdOf(reply.text) !== c.idText) return `id ${rawIdOf(reply.text)} instead of ${c.idText} as sent`;
  if (c.result !== undefined && JSON.stringify(r.result) !== JSON.stringify(c.result)) return `result ${JSON.stringify(r.result ?? r.error)} instead of ${JSON.stringify(c.result)}`;
  return undefined;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

test(`${COUNT} hostile bodies (seed ${SEED}): every answer well-formed, the process alive with bounded memory, nothing malformed at the node`, async () => {
  const cases = hostileCases(SEED, COUNT, LIMITS);
  const rssBefore = rssMb(gw.child.pid!);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(gw.child.pid!))), 100);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const wrong: string[] = [];
  const families = new Map<string, number>();
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        families.set(c.family, (families.get(c.family) ?? 0) + 1);
        const problem = judge(c, await send(agent, c));
        if (problem) wrong.push(`#${c.n} ${c.family}: ${problem} — body ${JSON.stringify(c.body.subarray(0, 120).toString('latin1'))}`);
      }
    }),
  );
  clearInterval(sampler);
  agent.destroy();
  const rssAfter = rssMb(gw.child.pid!);
  const reached = counted.received.map((r) => r.envelope);
  const malformed = reached.map(upstreamProblem).filter((p): p is string => p !== undefined);
  console.log(
    `fuzz: ${cases.length} cases in ${Date.now() - started} ms; ${reached.length} calls reached the node; RSS ${rssBefore.toFixed(0)} → peak ${rssPeak.toFixed(0)} → ${rssAfter.toFixed(0)} MB;`,
    Object.fromEntries(families),
  );

  assert.equal(wrong.slice(0, 10), [], `${wrong.length} wrong answers`);
  assert.equal(malformed.slice(0, 10), [], `${malformed.length} malformed calls reached the node`);
  assert.ok(reached.some((e) => (e as { method?: string }).method === 'eth_getBalance'), 'members\' calls did reach the node');
  assert.is(gw.child.exitCode, null, 'the gateway is still running');
  assert.ok(rssPeak - rssBefore < 250, `memory stayed bounded: ${rssBefore.toFixed(0)} → ${rssPeak.toFixed(0)} MB`);
  assert.not.ok(gw.output().includes(key), 'the API key never reached the logs');
  const health = await fetch(`${gw.base}/readyz`);
  assert.is(health.status, 200);
});

test.run();
