// Bounds of sign-in on the real gateway: challenges expire (a 60 s lifetime here, passed by moving the gateway's clock), challenge issuance is
// rate limited per client IP before anything is written, and behind TLS the session cookie is Secure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shiftedClock } from '../helpers/clock.ts';
import { orchestrator, startAuthGateway, type AuthGateway } from './portal_support.ts';

let h: AuthGateway;
const clock = shiftedClock();

test.before(async () => {
  h = await startAuthGateway('portal_limits', {
    publicScheme: 'https',
    env: { CHALLENGE_TTL_MS: '60000', AUTH_RATE_PER_MINUTE: '1', AUTH_RATE_BURST: '3' },
    clock: clock.now,
  });
});

test.after(async () => {
  await h?.stop();
});

// Unexpired on the gateway's clock: a background sweep of expired ones (the clock was moved on) does not count.
const nonces = async () =>
  Number((await h.tg.gw.database.db.one('SELECT count(*) AS n FROM signin_nonces WHERE expires_at > $1', [new Date(clock.now())])).n);

test('behind TLS (https PUBLIC_URL) the session cookie is Secure and __Host- prefixed, and it opens My keys', async () => {
  const c = await h.challenge();
  const res = await h.postJson('/auth/verify', { message: c.message, signature: await orchestrator.signMessage({ message: c.message }), purpose: 'session' });
  assert.is(res.status, 200, await res.clone().text());
  const header = res.headers.get('set-cookie') ?? '';
  assert.match(header, /^__Host-gw_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
  const cookie = header.split(';')[0]!;
  assert.is((await h.get('/account', { cookie, accept: 'application/json' })).status, 200);
  assert.is((await h.get('/account', { cookie: cookie.replace('__Host-', ''), accept: 'application/json' })).status, 401, 'the plain name is not read over https');
});

test('a challenge signed in time but presented after its expiry is refused with 400 "expired"', async () => {
  const c = await h.challenge();
  assert.is(Date.parse(c.expiresAt) - Date.parse(c.issuedAt), 60_000);
  const signature = await orchestrator.signMessage({ message: c.message });
  clock.advance(Math.max(0, Date.parse(c.expiresAt) - clock.now()) + 50); // the gateway's time passes the expiry
  const res = await h.postJson('/auth/verify', { message: c.message, signature });
  assert.is(res.status, 400);
  const body = (await res.json()) as { reason: string; error: string };
  assert.is(body.reason, 'expired');
  assert.match(body.error, /expired at .*get a new challenge/);
});

test('past its burst a client gets 429 with Retry-After, and nothing more is written; a forged X-Forwarded-For does not help', async () => {
  const first = await h.postJson('/auth/challenge', {});
  assert.is(first.status, 200, 'the burst of 3 had one challenge left');
  const before = await nonces();
  const attempts: Array<Record<string, string>> = [{}, { 'x-forwarded-for': '203.0.113.7' }];
  for (const headers of attempts) {
    const res = await h.postJson('/auth/challenge', {}, headers);
    assert.is(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.is(((await res.json()) as { reason: string }).reason, 'rate_limited');
  }
  const page = await h.get('/keys/new', { accept: 'text/html' });
  assert.is(page.status, 429);
  assert.match(await page.text(), /Too many sign-in attempts/);
  assert.is(await nonces(), before, 'refused challenges were never stored');
});

test("with the portal's tables unreachable My keys answers 503 without SQL text, and keyed API calls keep being served", async () => {
  const db = h.tg.gw.database.db;
  assert.is((await h.tg.rpc('eth_chainId')).result, '0xa4b1');
  await db.none('ALTER TABLE member_sessions RENAME TO member_sessions_away');
  try {
    const cookie = `__Host-gw_session=${'A'.repeat(43)}`;
    const json = await h.get('/account', { cookie, accept: 'application/json' });
    assert.is(json.status, 503);
    const body = (await json.json()) as { error: string; reason: string };
    assert.is(body.reason, 'portal_unavailable');
    const page = await h.get('/account', { cookie, accept: 'text/html' });
    assert.is(page.status, 503);
    const text = await page.text();
    assert.match(text, /member database is unavailable right now/);
    for (const leaked of [body.error, text]) assert.not.match(leaked, /relation|member_sessions|does not exist|42P01/);
    assert.ok(h.tg.of('store.error').some((e) => e.operation === 'portal.account'), 'reported to the operator');
    assert.equal(h.tg.of('gateway.error'), []);
    assert.is((await h.tg.rpc('eth_chainId')).result, '0xa4b1', 'the API is unaffected');
  } finally {
    await db.none('ALTER TABLE member_sessions_away RENAME TO member_sessions');
  }
});

test.run();
