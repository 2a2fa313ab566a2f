// The fault matrix, shutdown: SIGTERM while 32 keep-alive clients keep calling. Nothing sent before the signal
// fails, /readyz says 503 at once, every request served is in the usage table, and the exit is clean and prompt.
import { Agent, request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServedGateway } from '../helpers/gatewayProcess.ts';

const CALLS = ['{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}', '{"jsonrpc":"2.0","id":2,"method":"eth_blockNumber","params":[]}'];

function post(agent: Agent, port: number, path: string, body: string): Promise<{ ok: boolean; status: number; connection?: string }> {
  return new Promise((resolve) => {
    const req = request({ agent, host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ ok: res.statusCode === 200 && text.includes('"result"'), status: res.statusCode ?? 0, connection: res.headers.connection }));
      res.on('error', () => resolve({ ok: false, status: 0 }));
    });
    req.on('error', () => resolve({ ok: false, status: 0 }));
    req.setTimeout(10_000, () => req.destroy());
    req.end(body);
  });
}

test('SIGTERM under load: 0 of the requests sent before it fail, /readyz 503 at once, usage rows equal requests served, exit 0', async () => {
  const served = await startServedGateway({
    schema: 'test_drain',
    env: {
      USAGE_FLUSH_INTERVAL_MS: '3600000', // nothing is written before the drain: it must write everything
      DRAIN_GRACE_MS: '1500',
      DRAIN_TIMEOUT_MS: '20000',
    },
  });
  const { gw, key, keyId: id, database } = served;
  try {
    let signalAt = Infinity;
    let stopped = false;
    let served = 0;
    const failedBeforeSignal: Array<{ sentAt: number; status: number }> = [];
    const exited = new Promise<number | null>((resolve) => gw.child.once('exit', (code) => resolve(code)));
    void exited.then(() => (stopped = true));
    const clients = Array.from({ length: 32 }, async (_, i) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let n = 0; !stopped; n++) {
        const sentAt = Date.now();
        const r = await post(agent, gw.port, `/api/${key}/${n % 3 === 0 ? 'l1' : 'l2'}`, CALLS[(i + n) % 2]!);
        if (r.ok) served++;
        else if (sentAt < signalAt) failedBeforeSignal.push({ sentAt, status: r.status });
        else await new Promise((resolve) => setTimeout(resolve, 20)); // refused after the grace: expected, try until it exits
      }
      agent.destroy();
    });
    await new Promise((r) => setTimeout(r, 1500));
    const servedBefore = served;
    signalAt = Date.now();
    gw.child.kill('SIGTERM');
    // The signal reaches the process a moment later: from then on, and well within the grace, /readyz is 503.
    let ready = await fetch(`${gw.base}/readyz`);
    while (ready.status === 200 && Date.now() - signalAt < 500) ready = await fetch(`${gw.base}/readyz`);
    const readyAfterMs = Date.now() - signalAt;
    const code = await exited;
    const drainMs = Date.now() - signalAt;
    await Promise.all(clients);

    assert.ok(servedBefore > 100, `load was on: ${servedBefore} served before the signal`);
    assert.equal(failedBeforeSignal, [], 'no request sent before the signal failed');
    assert.is(ready.status, 503, `/readyz answers 503 at once (after ${readyAfterMs} ms)`);
    assert.match(JSON.stringify(await ready.json()), /draining/);
    assert.is(code, 0, 'exit code 0');
    assert.ok(drainMs < 20_000, `drained in ${drainMs} ms`);
    const counted = Number((await database.db.one('SELECT COALESCE(sum(requests), 0) AS n FROM key_usage WHERE key_id = $1', [id])).n);
    assert.is(counted, served, 'every request served is in the usage table');
    const lastUsed = await database.db.one('SELECT last_used_at FROM api_keys WHERE id = $1', [id]);
    assert.ok(lastUsed.last_used_at, 'and the key\'s last use is written');
    assert.match(gw.output(), /"msg":"drained"/);
  } finally {
    gw.child.kill('SIGKILL');
    await served.stop();
  }
});

test('a drain while a slow call is in flight on a keep-alive connection: the call is answered with Connection: close, the drain ends at once, exit 0', async () => {
  const served = await startServedGateway({
    schema: 'test_drain_slow',
    front: true,
    env: { USAGE_FLUSH_INTERVAL_MS: '3600000', DRAIN_GRACE_MS: '0', DRAIN_TIMEOUT_MS: '10000', KEEP_ALIVE_TIMEOUT_MS: '60000' },
  });
  const { gw, key, keyId, database } = served;
  try {
    served.front!.misbehave({ method: 'eth_getTransactionCount', act: { kind: 'slow', ms: 1500 } });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const exited = new Promise<number | null>((resolve) => gw.child.once('exit', (code) => resolve(code)));
    const call = post(agent, gw.port, `/api/${key}/l2`, `{"jsonrpc":"2.0","id":1,"method":"eth_getTransactionCount","params":["0x${'ab'.repeat(20)}","latest"]}`);
    await new Promise((r) => setTimeout(r, 300)); // the call is at the node
    const signalAt = Date.now();
    gw.child.kill('SIGINT'); // no grace: the listener closes at once, with the call in flight
    const answer = await call;
    const code = await exited;
    const drainMs = Date.now() - signalAt;
    agent.destroy();
    assert.ok(answer.ok, 'the call in flight is answered');
    assert.is(answer.connection, 'close', 'and told to close its keep-alive connection');
    assert.is(code, 0, 'exit code 0');
    assert.ok(drainMs < 5000, `the drain did not wait for the keep-alive timeout: ${drainMs} ms`);
    const counted = Number((await database.db.one('SELECT COALESCE(sum(requests), 0) AS n FROM key_usage WHERE key_id = $1', [keyId])).n);
    assert.is(counted, 1, 'the call is in the usage table');
  } finally {
    gw.child.kill('SIGKILL');
    await served.stop();
  }
});

test.run();
