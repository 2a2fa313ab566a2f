// My keys against the real gateway and PostgreSQL: the session cookie a signed challenge sets, usage per key,
// and revoke, rotate and new keys through the account endpoints, each guarded by session, origin and CSRF token.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeActiveSet } from '../../gateway/src/store/orchestrators.ts';
import { waitFor } from '../helpers/gateway.ts';
import { cookieOf, orchestrator, startAuthGateway, stranger, type AuthGateway } from './portal_support.ts';

let h: AuthGateway;

test.before(async () => {
  h = await startAuthGateway('portal_account', { env: { AUTH_RATE_BURST: '200', MAX_KEYS_PER_MEMBER: '3' } });
});

test.after(async () => {
  await h?.stop();
});

interface Session {
  cookie: string;
  csrf: string;
}

async function signedChallenge(account = orchestrator) {
  const c = await h.challenge();
  return { message: c.message, signature: await account.signMessage({ message: c.message }) };
}

async function newKey(label?: string): Promise<{ key: string; id: string }> {
  const res = await h.postJson('/auth/verify', { ...(await signedChallenge()), ...(label ? { label } : {}) });
  assert.is(res.status, 201);
  return (await res.json()) as { key: string; id: string };
}

async function signInSession(): Promise<Session> {
  const res = await h.postJson('/auth/verify', { ...(await signedChallenge()), purpose: 'session' });
  assert.is(res.status, 200);
  const body = (await res.json()) as { csrf: string; address: string };
  assert.is(body.address, orchestrator.address);
  return { cookie: cookieOf(res), csrf: body.csrf };
}

async function account(session: Session): Promise<{ status: number; body: any }> {
  const res = await h.get('/account', { cookie: session.cookie, accept: 'application/json' });
  return { status: res.status, body: await res.json() };
}

async function call(key: string, network: 'l1' | 'l2' = 'l2'): Promise<number> {
  return (await h.useKey(key, { network })).status;
}

test('signing in sets an HttpOnly, SameSite=Strict, expiring session cookie holding a token the database knows only hashed', async () => {
  const res = await h.postJson('/auth/verify', { ...(await signedChallenge()), purpose: 'session' });
  assert.is(res.status, 200);
  const header = res.headers.get('set-cookie') ?? '';
  const attrs = header.split('; ');
  assert.match(attrs[0]!, /^gw_session=[A-Za-z0-9_-]{43}$/);
  for (const a of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=43200']) assert.ok(attrs.includes(a), `${a} in ${header}`);
  assert.not.ok(attrs.includes('Secure'), 'PUBLIC_URL is http here');
  const token = attrs[0]!.split('=')[1]!;
  const rows = await h.tg.gw.database.db.any('SELECT token_hash, member_address FROM member_sessions');
  assert.ok(rows.length > 0);
  assert.not.ok(JSON.stringify(rows).includes(token), 'the token itself is not stored');
  assert.ok(rows.some((r: { member_address: string }) => r.member_address === orchestrator.address.toLowerCase()));
});

test('a form sign-in from the portal redirects to My keys with the cookie set', async () => {
  const res = await h.postForm('/auth/verify', { ...(await signedChallenge()), purpose: 'session' });
  assert.is(res.status, 303);
  assert.is(res.headers.get('location'), '/account');
  assert.match(cookieOf(res), /^gw_session=/);
});

test('My keys lists each key with requests per network in the last 24 h and 30 d', async () => {
  const { key, id } = await newKey('usage key');
  for (let i = 0; i < 3; i++) assert.is(await call(key, 'l2'), 200);
  assert.is(await call(key, 'l1'), 200);
  const session = await signInSession();
  await waitFor(async () => {
    const mine = (await account(session)).body.keys.find((k: { id: string }) => k.id === id);
    const count = (network: string) => mine?.usage.find((u: { network: string }) => u.network === network)?.last24h;
    return count('l2') === 3 && count('l1') === 1; // a flush may land between the calls: wait for both
  }, 15_000, 'the usage flush');
  const { status, body } = await account(session);
  assert.is(status, 200);
  assert.is(body.address, orchestrator.address);
  const mine = body.keys.find((k: { id: string }) => k.id === id);
  assert.is(mine.label, 'usage key');
  assert.is(mine.prefix, key.slice(0, 8));
  assert.equal(mine.usage, [
    { network: 'l2', last24h: 3, last30d: 3 },
    { network: 'l1', last24h: 1, last30d: 1 },
  ]);
  assert.not.ok(JSON.stringify(body).includes(key), 'the key itself is never listed');
});

test('without a session My keys answers 401 to programs and shows the sign-in form to browsers', async () => {
  assert.is((await h.get('/account', { accept: 'application/json' })).status, 401);
  assert.is((await h.get('/account', { accept: 'application/json', cookie: `gw_session=${'A'.repeat(43)}` })).status, 401);
  const page = await h.get('/account', { accept: 'text/html' });
  assert.is(page.status, 200);
  const html = await page.text();
  assert.match(html, /Sign in to My keys/);
  assert.match(html, /name="purpose" value="session"/);
});

test('revoking a key stops it at once (the key cache is evicted, not waited out)', async () => {
  const { key, id } = await newKey();
  assert.is(await call(key), 200);
  const session = await signInSession();
  const res = await h.postJson(`/account/keys/${id}/revoke`, { csrf: session.csrf }, { cookie: session.cookie });
  assert.is(res.status, 200);
  assert.is(((await res.json()) as { revoked: { id: string } }).revoked.id, id);
  await waitFor(async () => (await call(key)) === 401, 1000, 'the revoked key to be refused within 1 s');
  const listed = (await account(session)).body.keys.find((k: { id: string }) => k.id === id);
  assert.ok(listed.revokedAt);
});

test('revoking a key twice (a form sent again) answers it as revoked; rotating it again mints no second key', async () => {
  const { id } = await newKey('twice');
  const session = await signInSession();
  const revoke = () => h.postJson(`/account/keys/${id}/revoke`, { csrf: session.csrf }, { cookie: session.cookie });
  const first = (await (await revoke()).json()) as { revoked: { id: string; revokedAt: string }; alreadyRevoked: boolean };
  assert.is(first.alreadyRevoked, false);
  const again = await revoke();
  assert.is(again.status, 200);
  const second = (await again.json()) as typeof first;
  assert.equal(second, { ...first, alreadyRevoked: true }, 'the same key, the same revocation time');
  const form = await h.postForm(`/account/keys/${id}/revoke`, { csrf: session.csrf }, { cookie: session.cookie });
  assert.is(form.status, 303, 'the page flow lands back on My keys too');

  const rotating = await newKey('rotate twice');
  const rotate = () => h.postJson(`/account/keys/${rotating.id}/rotate`, { csrf: session.csrf }, { cookie: session.cookie });
  const keysBefore = (await account(session)).body.keys.length;
  assert.is((await rotate()).status, 201);
  assert.is((await rotate()).status, 404, 'a rotated key cannot be rotated again');
  assert.is((await account(session)).body.keys.length, keysBefore + 1, 'one replacement, not two');
  await revokeAll(session); // leave the member's key budget to the tests after this one
});

test('a revoke form from the portal redirects back to My keys, which says what was revoked', async () => {
  const { id, key } = await newKey();
  const session = await signInSession();
  const res = await h.postForm(`/account/keys/${id}/revoke`, { csrf: session.csrf }, { cookie: session.cookie });
  assert.is(res.status, 303);
  assert.is(res.headers.get('location'), `/account?revoked=${id}`);
  const page = await (await h.get(`/account?revoked=${id}`, { cookie: session.cookie, accept: 'text/html' })).text();
  assert.ok(page.includes(`Key ${key.slice(0, 8)}… was revoked`));
});

test('account actions need the session, its CSRF token and our origin', async () => {
  const { key, id } = await newKey();
  const session = await signInSession();
  const attempts: Array<[string, Response]> = [
    ['no cookie', await h.postJson(`/account/keys/${id}/revoke`, { csrf: session.csrf })],
    ['no token', await h.postJson(`/account/keys/${id}/revoke`, {}, { cookie: session.cookie })],
    ['wrong token', await h.postJson(`/account/keys/${id}/revoke`, { csrf: 'x'.repeat(43) }, { cookie: session.cookie })],
    ['other site', await h.postForm(`/account/keys/${id}/revoke`, { csrf: session.csrf }, { cookie: session.cookie, origin: 'https://evil.example.org' })],
  ];
  const expected: Record<string, number> = { 'no cookie': 401, 'no token': 403, 'wrong token': 403, 'other site': 403 };
  for (const [what, res] of attempts) assert.is(res.status, expected[what], what);
  assert.is(await call(key), 200, 'the key still works');
});

test('a member cannot revoke or rotate a key that is not theirs: it is simply not found', async () => {
  const { tg } = h;
  const other = await tg.gw.database.db.one("SELECT id::text AS id FROM api_keys WHERE member_address <> $1 LIMIT 1", [orchestrator.address.toLowerCase()]);
  const session = await signInSession();
  for (const action of ['revoke', 'rotate']) {
    const res = await h.postJson(`/account/keys/${other.id}/${action}`, { csrf: session.csrf }, { cookie: session.cookie });
    assert.is(res.status, 404, action);
  }
  assert.is(await call(tg.key), 200, "the other member's key still works");
});

test('rotating a key revokes it and returns its replacement once, with the same label', async () => {
  const old = await newKey('rotating');
  const session = await signInSession();
  const res = await h.postJson(`/account/keys/${old.id}/rotate`, { csrf: session.csrf }, { cookie: session.cookie });
  assert.is(res.status, 201);
  const fresh = (await res.json()) as { key: string; label: string; replaces: string; urls: { l2: string } };
  assert.is(fresh.replaces, old.id);
  assert.is(fresh.label, 'rotating');
  assert.is.not(fresh.key, old.key);
  assert.is(fresh.urls.l2, `${h.base}/api/${fresh.key}/l2`);
  assert.is(await call(fresh.key), 200);
  await waitFor(async () => (await call(old.key)) === 401, 1000, 'the rotated key to be refused');
});

async function revokeAll(session: Session): Promise<void> {
  const live = (await account(session)).body.keys.filter((k: { revokedAt: unknown }) => k.revokedAt === null);
  for (const k of live) assert.is((await h.postJson(`/account/keys/${k.id}/revoke`, { csrf: session.csrf }, { cookie: session.cookie })).status, 200);
}

test('a new key from My keys counts against the per-member limit', async () => {
  const session = await signInSession();
  await revokeAll(session);
  for (let i = 0; i < 3; i++) {
    const res = await h.postJson('/account/keys', { csrf: session.csrf, label: `node ${i}` }, { cookie: session.cookie });
    assert.is(res.status, 201);
  }
  const over = await h.postJson('/account/keys', { csrf: session.csrf }, { cookie: session.cookie });
  assert.is(over.status, 409);
  assert.match(((await over.json()) as { error: string }).error, /3 active keys/);
});

test('a non-member cannot open a session', async () => {
  const res = await h.postJson('/auth/verify', { ...(await signedChallenge(stranger)), purpose: 'session' });
  assert.is(res.status, 403);
  assert.is(res.headers.get('set-cookie'), null);
});

test('signing out deletes the session: the cookie no longer opens My keys', async () => {
  const session = await signInSession();
  assert.is((await account(session)).status, 200);
  const res = await h.postJson('/auth/logout', {}, { cookie: session.cookie });
  assert.is(res.status, 200);
  assert.match(res.headers.get('set-cookie') ?? '', /^gw_session=; .*Max-Age=0/);
  assert.is((await account(session)).status, 401);
});

test('a former orchestrator (left the set, grace over) still signs in to see and revoke its keys, but gets no new key and is told why', async () => {
  const session = await signInSession();
  await revokeAll(session);
  const { key, id } = await newKey('before leaving');
  const db = h.tg.gw.database.db;
  await writeActiveSet(db, new Set([stranger.address.toLowerCase()]), 0); // the orchestrator left; no grace
  await h.tg.gw.access.keysChanged({ address: orchestrator.address.toLowerCase() });
  try {
    assert.is(await call(key), 403, 'its keys answer "no longer an active orchestrator"');
    const again = await h.postJson('/auth/verify', { ...(await signedChallenge()), purpose: 'session' });
    assert.is(again.status, 200, 'a former member may still sign in');
    const { body } = await account(session);
    assert.is(body.canCreateKeys, false);
    const page = await (await h.get('/account', { cookie: session.cookie, accept: 'text/html' })).text();
    assert.match(page, /New keys are not available/);
    assert.match(page, /is no longer an active orchestrator: it left the Livepeer active set on \d{4}-\d{2}-\d{2}/);
    assert.not.match(page, /Create a key|>Rotate</, 'no create or rotate offered');
    const create = await h.postJson('/account/keys', { csrf: session.csrf }, { cookie: session.cookie });
    assert.is(create.status, 403);
    const rotate = await h.postJson(`/account/keys/${id}/rotate`, { csrf: session.csrf }, { cookie: session.cookie });
    assert.is(rotate.status, 403);
    assert.is((await account(session)).body.keys.find((k: { id: string }) => k.id === id).revokedAt, null, 'a refused rotation keeps the old key');
    const revoke = await h.postJson(`/account/keys/${id}/revoke`, { csrf: session.csrf }, { cookie: session.cookie });
    assert.is(revoke.status, 200, 'revoking stays possible');
  } finally {
    await writeActiveSet(db, new Set([orchestrator.address.toLowerCase()]), 0);
  }
});

test.run();
