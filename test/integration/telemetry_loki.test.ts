// pino-loki against a loopback HTTP server playing Loki: the real push wire format, and what happens
// when Loki is gone (refused) or hangs (accepts, never answers): logging goes on, memory stays bounded.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../gateway/src/events.ts';
import { loadTelemetryConfig, startTelemetry, type Telemetry } from '../../gateway/src/telemetry/index.ts';

const KEY = 'q3Jx0d5yqk2m1Zb7n8v6c4x2z0a9s8d7f6g5h4j3k2l';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setImmediate(r));

interface Push {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: { streams: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> };
}

/** A Loki stand-in that records every push; `hang` makes it accept requests and never answer. */
async function fakeLoki(port = 0, hang = false) {
  const pushes: Push[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let maxOpen = 0;
  const server: Server = createServer((req, res) => {
    if (hang) return; // never answers: the client's timeout must end it
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      pushes.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: JSON.parse(body) as Push['body'] });
      res.writeHead(204).end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    maxOpen = Math.max(maxOpen, ++open);
    s.on('close', () => {
      sockets.delete(s);
      open--;
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    pushes,
    maxOpen: () => maxOpen,
    lines: () => pushes.flatMap((p) => p.body.streams.flatMap((s) => s.values.map((v) => JSON.parse(v[1]) as Record<string, unknown>))),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function start(lokiPort: number, env: Record<string, string> = {}, keepStdout = true) {
  const stdout: string[] = [];
  const logDestination = new Writable({
    write(chunk, _e, cb) {
      if (keepStdout) stdout.push(String(chunk));
      cb();
    },
  });
  const bus = new EventBus();
  const telemetry = await startTelemetry(
    bus,
    loadTelemetryConfig({
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      LOKI_URL: `http://127.0.0.1:${lokiPort}`,
      LOKI_BATCH_INTERVAL_MS: '100',
      LOKI_MAX_BUFFERED_LINES: '200',
      LOKI_TIMEOUT_MS: '300',
      ...env,
    }),
    { logDestination },
  );
  return { bus, telemetry, stdout };
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function logMany(t: Telemetry, count: number, from = 0, padding = ''): Promise<void> {
  for (let i = from; i < from + count; i++) {
    t.logger.info({ i, network: 'l2', padding }, 'filler');
    if (i % 500 === 0) await tick(); // like real traffic: lines arrive across event-loop turns
  }
}

test('lines reach Loki as a batched JSON push in the real wire format, with low-cardinality labels and basic auth', async () => {
  const loki = await fakeLoki();
  const { bus, telemetry, stdout } = await start(loki.port, { LOKI_BASIC_AUTH: 'tenant:s3cret' });
  try {
    bus.emit({ type: 'node.health', network: 'l2', node: 'node-a', healthy: false, reason: 'breaker_open' });
    telemetry.logger.info(`member called POST /api/${KEY}/l2`);
    telemetry.logger.error({ err: new Error(`boom at /api/${KEY}/l1`) }, 'failed');
    await until('a push with 3 lines', () => loki.lines().length >= 3);
    const push = loki.pushes[0]!;
    assert.is(push.method, 'POST');
    assert.is(push.url, '/loki/api/v1/push');
    assert.match(String(push.headers['content-type']), /^application\/json/);
    assert.is(push.headers.authorization, `Basic ${Buffer.from('tenant:s3cret').toString('base64')}`);
    const streams = loki.pushes.flatMap((p) => p.body.streams);
    for (const s of streams) {
      assert.ok(Object.keys(s.stream).every((k) => ['service', 'level', 'network'].includes(k)), JSON.stringify(s.stream));
      assert.is(s.stream.service, 'community-rpc-gateway');
      for (const [ns, line] of s.values) {
        assert.match(ns, /^\d{19}$/);
        assert.type(JSON.parse(line), 'object');
      }
    }
    const health = streams.find((s) => s.values.some(([, l]) => l.includes('node health changed')))!;
    assert.equal(health.stream, { service: 'community-rpc-gateway', level: 'warning', network: 'l2' });
    const all = JSON.stringify(loki.pushes.map((p) => p.body));
    assert.not.ok(all.includes(KEY));
    assert.ok(all.includes('/api/<redacted>/l2'));
    // stdout (here the test's destination) gets the same lines.
    assert.is(stdout.join('').split('\n').filter(Boolean).length, 3);
  } finally {
    await telemetry.shutdown();
    await loki.close();
  }
});

test('a push never carries more than the buffer bound: the oldest lines of a burst are dropped, the newest kept', async () => {
  const loki = await fakeLoki();
  const { telemetry } = await start(loki.port, { LOKI_BATCH_INTERVAL_MS: '1000' }, false);
  try {
    await logMany(telemetry, 5000);
    await until('the last line of the burst', () => loki.lines().some((l) => l.i === 4999));
    for (const push of loki.pushes) {
      const count = push.body.streams.reduce((n, st) => n + st.values.length, 0);
      assert.ok(count <= 200, `a push of ${count} lines`);
    }
    assert.ok(loki.lines().length < 5000);
  } finally {
    await telemetry.shutdown();
    await loki.close();
  }
});

test('with Loki gone (connection refused), logging keeps going, and shipping resumes when it returns', async () => {
  const loki = await fakeLoki();
  const port = loki.port;
  const { telemetry, stdout } = await start(port);
  let back: Awaited<ReturnType<typeof fakeLoki>> | undefined;
  try {
    telemetry.logger.info('before');
    await until('the first push', () => loki.lines().length >= 1);
    await loki.close();
    await logMany(telemetry, 3000);
    await sleep(300); // several pushes fail against the closed port; those lines are dropped, by design
    assert.is(stdout.join('').split('\n').filter(Boolean).length, 3001);
    back = await fakeLoki(port);
    telemetry.logger.info('after the outage');
    await until('lines after Loki returns', () => back!.lines().some((l) => l.msg === 'after the outage'));
  } finally {
    await telemetry.shutdown();
    await back?.close();
  }
});

test('with Loki hanging, memory stays bounded while many lines are logged, bursts included', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().external; // stream buffers live outside the heap
  const loki = await fakeLoki(0, true);
  // Pushes live 3 s and start every 300 ms: at most ~10 batches of at most 200 lines are held.
  const { telemetry } = await start(loki.port, { LOKI_BATCH_INTERVAL_MS: '300', LOKI_TIMEOUT_MS: '3000' }, false);
  try {
    const padding = 'x'.repeat(1000);
    await logMany(telemetry, 1000, 0, padding); // warm up
    gc();
    const before = used();
    await logMany(telemetry, 40_000, 1000, padding); // ~40 MB of lines if they were all kept
    for (let i = 0; i < 30_000; i++) telemetry.logger.info({ i, padding }, 'burst'); // one synchronous burst, ~30 MB
    gc();
    const grown = used() - before;
    assert.ok(grown < 20 * 1024 * 1024, `memory grew by ${Math.round(grown / 1024 / 1024)} MB`);
  } finally {
    await telemetry.shutdown();
    await loki.close();
  }
});

test('with Loki hanging, pushes in flight stay bounded by timeout / interval and shutdown still ends', async () => {
  const loki = await fakeLoki(0, true);
  const { telemetry } = await start(loki.port);
  try {
    for (let round = 0; round < 15; round++) {
      telemetry.logger.info({ round }, 'while Loki hangs');
      await sleep(100);
    }
    // timeout 300 ms / interval 100 ms: at most ~3 pushes alive at once, plus slack for a slow machine.
    assert.ok(loki.maxOpen() >= 1);
    assert.ok(loki.maxOpen() <= 6, `max concurrent pushes ${loki.maxOpen()}`);
  } finally {
    await telemetry.shutdown(); // the final push is aborted by the timeout, not waited on forever
    await loki.close();
  }
});

test.run();
