// Sign-in against the real gateway and PostgreSQL: a challenge, signed with viem as each livepeer_cli release
// signs, verified into a key that works on /api/<key>/l2; replayed, malformed, wrong-address and non-member
// attempts refused with the reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat, keccak256, stringToBytes } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import { grantMembership } from '../../gateway/src/membership/membership.ts';
import { TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';
import { orchestrator, startAuthGateway, stranger, type AuthGateway } from './portal_support.ts';

let h: AuthGateway;

test.before(async () => {
  h = await startAuthGateway('portal_signin', { env: { AUTH_RATE_BURST: '200' } });
});

test.after(async () => {
  await h?.stop();
});

async function verify(body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await h.postJson('/auth/verify', body);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('a challenge is one line naming the PUBLIC_URL host, with a fresh nonce, its expiry and a typed-data form', async () => {
  const a = await h.challenge();
  const b = await h.challenge();
  assert.not.match(a.message, /[\r\n]/);
  assert.ok(a.message.includes(` at ${new URL(h.base).host}.`), a.message);
  assert.match(a.nonce, /^[0-9a-f]{32}$/);
  assert.is.not(a.nonce, b.nonce);
  const ttl = Date.parse(a.expiresAt) - Date.parse(a.issuedAt);
  assert.is(ttl, 10 * 60_000);
  assert.is(a.typedData.message.nonce, a.nonce);
});

test('a current livepeer_cli signature gets a key, shown with full /l2 and /l1 URLs, that works at once', async () => {
  const c = await h.challenge();
  const { status, json } = await verify({ message: c.message, signature: await orchestrator.signMessage({ message: c.message }) });
  assert.is(status, 201, JSON.stringify(json));
  const key = json.key as string;
  assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  assert.is(json.address, orchestrator.address);
  assert.equal(json.urls, { l2: `${h.base}/api/${key}/l2`, l1: `${h.base}/api/${key}/l1` });
  assert.is((await h.useKey(key, { method: 'eth_chainId' })).result, '0xa4b1');
  assert.is((await h.useKey(key, { network: 'l1', method: 'eth_chainId' })).result, '0x1');
});

test('the same signed challenge replayed is refused with 400 "used" and no second key', async () => {
  const c = await h.challenge();
  const body = { message: c.message, signature: await orchestrator.signMessage({ message: c.message }) };
  assert.is((await verify(body)).status, 201);
  const replay = await verify(body);
  assert.is(replay.status, 400);
  assert.is(replay.json.reason, 'used');
  assert.match(String(replay.json.error), /already used/);
  assert.not.ok('key' in replay.json);
});

test('an old livepeer_cli signature (fixed-32 prefix, line with its newline, v 0/1, no 0x) gets a key', async () => {
  const c = await h.challenge();
  const line = `${c.message}\n`;
  const hash = keccak256(concat([stringToBytes('\x19Ethereum Signed Message:\n32'), stringToBytes(line)]));
  const s = await sign({ hash, privateKey: TEST_PRIVATE_KEYS[0], to: 'object' });
  const signature = `${s.r.slice(2)}${s.s.slice(2)}0${s.yParity}`;
  assert.match(signature, /^[0-9a-f]{128}0[01]$/);
  const { status, json } = await verify({ message: line, signature });
  assert.is(status, 201, JSON.stringify(json));
  assert.is(json.address, orchestrator.address);
});

test('the challenge signed as EIP-712 typed data ("Sign typed data") gets a key', async () => {
  const c = await h.challenge();
  const typed = c.typedData as unknown as Parameters<typeof orchestrator.signTypedData>[0];
  const { status, json } = await verify({ message: c.message, signature: await orchestrator.signTypedData(typed) });
  assert.is(status, 201, JSON.stringify(json));
});

test('a signature by another account than the address given is refused with 400, and the challenge stays usable', async () => {
  const c = await h.challenge();
  const wrong = await verify({ message: c.message, signature: await stranger.signMessage({ message: c.message }), address: orchestrator.address });
  assert.is(wrong.status, 400);
  assert.is(wrong.json.reason, 'signer_mismatch');
  assert.ok(String(wrong.json.error).includes(stranger.address), 'names who did sign');
  const right = await verify({ message: c.message, signature: await orchestrator.signMessage({ message: c.message }), address: orchestrator.address });
  assert.is(right.status, 201);
});

test('a non-member gets 403 saying it is not an active orchestrator and what to do, and no key', async () => {
  const c = await h.challenge();
  const { status, json } = await verify({ message: c.message, signature: await stranger.signMessage({ message: c.message }) });
  assert.is(status, 403);
  assert.is(json.reason, 'not_eligible');
  const message = String(json.error);
  assert.ok(message.includes(stranger.address), message);
  assert.match(message, /not an active orchestrator/);
  assert.match(message, /Ethereum account/);
  assert.match(message, /ask Test Operator for a grant \(ops@example\.org\)/);
});

test('an address the operator granted gets a key although it is not an orchestrator', async () => {
  const granted = privateKeyToAccount(TEST_PRIVATE_KEYS[2]);
  await grantMembership(h.tg.gw.database, { address: granted.address, label: 'operator node' });
  const c = await h.challenge();
  const { status, json } = await verify({ message: c.message, signature: await granted.signMessage({ message: c.message }), label: 'my broadcaster' });
  assert.is(status, 201, JSON.stringify(json));
  assert.is(json.label, 'my broadcaster');
});

test('malformed input is refused with 400 and the reason, before any key is made', async () => {
  const c = await h.challenge();
  const good = await orchestrator.signMessage({ message: c.message });
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ message: 'hello', signature: good }, 'malformed'],
    [{ message: c.message, signature: 'not hex at all' }, 'bad_hex'],
    [{ message: c.message, signature: '0x1234' }, 'wrong_length'],
    [{ message: c.message, signature: `${good.slice(0, -2)}05` }, 'bad_v'],
    [{ message: c.message }, 'empty'],
    [{ message: c.message, signature: good, address: '0x123' }, 'invalid_address'],
    [{ message: c.message, signature: good, purpose: 'admin' }, 'bad_input'],
    [{ message: c.message, signature: good, label: 'x'.repeat(201) }, 'invalid_label'],
  ];
  const elsewhere = c.message.replace(new URL(h.base).host, 'evil.example.org');
  cases.push([{ message: elsewhere, signature: await orchestrator.signMessage({ message: elsewhere }) }, 'wrong_domain']);
  for (const [body, reason] of cases) {
    const { status, json } = await verify(body);
    assert.is(status, 400, `${JSON.stringify(body).slice(0, 80)} -> ${status}`);
    assert.is(json.reason, reason, JSON.stringify(json));
  }
  const notJson = await h.postJson('/auth/verify', '{"message":');
  assert.is(notJson.status, 400);
  const array = await h.postJson('/auth/verify', '[1,2]');
  assert.is(array.status, 400);
  const text = await fetch(`${h.base}/auth/verify`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
  assert.is(text.status, 400);
  assert.is((await verify({ message: c.message, signature: good })).status, 201, 'none of these spent the challenge');
});

test('a body over the limit is refused with 413 without being read', async () => {
  const res = await h.postJson('/auth/verify', JSON.stringify({ message: 'x'.repeat(20_000) }));
  assert.is(res.status, 413);
});

test('a request from another site (foreign Origin) is refused with 403', async () => {
  const res = await h.postJson('/auth/challenge', {}, { origin: 'https://evil.example.org' });
  assert.is(res.status, 403);
  assert.is(((await res.json()) as { reason: string }).reason, 'csrf_rejected');
  const nullOrigin = await h.postJson('/auth/verify', {}, { origin: 'null' });
  assert.is(nullOrigin.status, 403);
});

test('each attempt emits one signin.attempt event: outcome, the address when one is known, never the key', async () => {
  const seen = () => h.tg.of('signin.attempt').length;
  const next = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const before = seen();
    const res = await h.postJson('/auth/verify', body, headers);
    const text = await res.text();
    const events = h.tg.of('signin.attempt').slice(before);
    assert.is(events.length, 1, `one event for ${JSON.stringify(body).slice(0, 60)}`);
    return { event: events[0]!, text };
  };
  const c = await h.challenge();
  const signed = await orchestrator.signMessage({ message: c.message });
  const ok = await next({ message: c.message, signature: signed });
  const key = (JSON.parse(ok.text) as { key: string }).key;
  assert.equal({ ...ok.event, durationMs: 0 }, {
    type: 'signin.attempt',
    purpose: 'key',
    outcome: 'ok',
    address: orchestrator.address.toLowerCase(),
    variant: 'eip191/none',
    durationMs: 0,
  });
  assert.not.ok(JSON.stringify(h.tg.of('signin.attempt')).includes(key), 'the key is never in an event');
  assert.is((await next({ message: c.message, signature: signed })).event.outcome, 'challenge_rejected');
  const d = await h.challenge();
  const refused = await next({ message: d.message, signature: await stranger.signMessage({ message: d.message }) });
  assert.is(refused.event.outcome, 'not_eligible');
  assert.is(refused.event.address, stranger.address.toLowerCase());
  const mismatch = await next({ message: d.message, signature: await stranger.signMessage({ message: d.message }), address: orchestrator.address });
  assert.is(mismatch.event.outcome, 'signer_mismatch');
  assert.is(mismatch.event.address, orchestrator.address.toLowerCase(), 'the address claimed');
  assert.is((await next({ message: d.message, signature: '0x1234' })).event.outcome, 'bad_signature');
  assert.is((await next({ message: d.message, signature: signed, purpose: 'admin' })).event.outcome, 'bad_input');
  assert.is((await next({ message: 'x'.repeat(20_000) })).event.outcome, 'bad_input', 'a body over the limit');
  assert.is((await next({}, { origin: 'https://evil.example.org' })).event.outcome, 'cross_origin');
  const session = await next({ message: d.message, signature: await orchestrator.signMessage({ message: d.message }), purpose: 'session' });
  assert.is(session.event.purpose, 'session');
  assert.is(session.event.outcome, 'ok');
});

test.run();
