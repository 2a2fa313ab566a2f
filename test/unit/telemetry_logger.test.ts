import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../../gateway/src/telemetry/logger.ts';

// A realistic key: 43 characters of base64url, as 32 random bytes encode.
const KEY = 'q3Jx0d5yqk2m1Zb7n8v6c4x2z0a9s8d7f6g5h4j3k2l';
const PATH = `/api/${KEY}/l2`;

function capture(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ level, serviceName: 'test-gw', destination });
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, parsed };
}

test('lines are JSON with level, time, service and msg', () => {
  const { logger, parsed } = capture();
  logger.info({ network: 'l2' }, 'hello');
  const [line] = parsed();
  assert.is(line?.msg, 'hello');
  assert.is(line?.level, 30);
  assert.is(line?.service, 'test-gw');
  assert.is(line?.network, 'l2');
  assert.type(line?.time, 'number');
});

test('a key is redacted from the message, including one assembled from format arguments', () => {
  const { logger, lines } = capture();
  logger.info(`POST ${PATH} 200`);
  logger.warn('POST /api/%s/l2 failed', KEY);
  logger.info({ a: 1 }, 'url https://gw.example%s', PATH);
  assert.is(lines.length, 3);
  for (const l of lines) {
    assert.not.ok(l.includes(KEY), l);
    assert.ok(l.includes('/api/<redacted>'), l);
  }
});

test('a key is redacted from every string field at any depth, arrays and URL objects included', () => {
  const { logger, lines, parsed } = capture();
  logger.info(
    {
      url: `https://gw.example${PATH}?x=1`,
      nested: { deeper: { path: PATH, list: ['ok', PATH, { again: PATH }] } },
      asUrl: new URL(`https://gw.example${PATH}`),
    },
    'request',
  );
  assert.not.ok(lines[0]!.includes(KEY), lines[0]);
  const line = parsed()[0] as { nested: { deeper: { list: unknown[] } }; asUrl: string };
  assert.equal(line.nested.deeper.list, ['ok', '/api/<redacted>/l2', { again: '/api/<redacted>/l2' }]);
  assert.is(line.asUrl, 'https://gw.example/api/<redacted>/l2');
});

test('a key is redacted from errors: message, stack and cause, logged alone or under err', () => {
  const { logger, lines, parsed } = capture();
  const err = new Error(`fetch ${PATH} failed`, { cause: new Error(`inner ${PATH}`) });
  logger.error(err);
  logger.error({ err }, 'with message');
  logger.error({ err });
  assert.is(lines.length, 3);
  for (const l of lines) assert.not.ok(l.includes(KEY), l);
  const [alone, withMsg, noMsg] = parsed() as Array<{ msg: string; err: { message: string; stack: string; type: string } }>;
  assert.is(alone?.msg, 'fetch /api/<redacted>/l2 failed');
  assert.is(alone?.err.type, 'Error');
  assert.ok(alone?.err.stack.includes('/api/<redacted>/l2'));
  assert.is(withMsg?.msg, 'with message');
  assert.is(noMsg?.msg, 'fetch /api/<redacted>/l2 failed');
});

test('a key is redacted from child and grandchild bindings and message prefixes', () => {
  const { logger, lines } = capture();
  logger.child({ path: PATH }).info('from child');
  logger.child({ a: 1 }).child({ url: `https://gw${PATH}` }, { msgPrefix: `${PATH} ` }).info('from grandchild');
  assert.is(lines.length, 2);
  for (const l of lines) {
    assert.not.ok(l.includes(KEY), l);
    assert.ok(l.includes('/api/<redacted>/l2'), l);
  }
});

test('circular objects and non-string values do not break logging', () => {
  const { logger, parsed } = capture();
  const loop: Record<string, unknown> = { n: 1, ok: true, none: null };
  loop.self = loop;
  logger.info({ loop }, 'circular');
  const line = parsed()[0] as { loop: Record<string, unknown> };
  assert.is(line.loop.n, 1);
  assert.is(line.loop.ok, true);
  assert.is(line.loop.self, '[Circular]'); // pino's own cycle marker
});

test('the level filters lines', () => {
  const { logger, lines } = capture('info');
  logger.debug('hidden');
  logger.info('shown');
  assert.is(lines.length, 1);
});

test.run();
