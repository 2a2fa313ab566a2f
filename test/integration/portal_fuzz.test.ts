// Every portal and sign-in input fuzzed with SQL and HTML/JS payloads on the real gateway: answers keep sane
// statuses, pages carry the payload only escaped, and nothing leaks (no stack, no SQL error text, no key).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeHtml } from '../../gateway/src/portal/pages/html.ts';
import { orchestrator, startAuthGateway, type AuthGateway } from './portal_support.ts';

let h: AuthGateway;
let secretKey: string;
let session: { cookie: string; csrf: string };

const PAYLOADS = [
  "' OR '1'='1",
  "'; DROP TABLE api_keys; --",
  '1; SELECT pg_sleep(5)',
  "0x' UNION SELECT key_hash FROM api_keys --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  'javascript:alert(1)',
  '</textarea><script>alert(document.cookie)</script>',
  '{{7*7}}${7*7}',
  '\u0000\u0001\u001f',
  '%00%27%22%3Cscript%3E',
  '../../etc/passwd',
  'ü'.repeat(300),
  'A'.repeat(5000),
];
const ALLOWED = new Set([200, 201, 303, 400, 401, 403, 404, 405, 409, 413, 429]);
const LEAKS = [/\bat [\w.<>]+ \(/, /\.ts:\d+/, /node_modules/, /syntax error/i, /relation "/i, /violates/i, /SQLSTATE/i, /duplicate key/i, /pg-promise/i, /QueryResultError/];

test.before(async () => {
  h = await startAuthGateway('portal_fuzz', { env: { AUTH_RATE_BURST: '100000', AUTH_RATE_PER_MINUTE: '100000', MAX_KEYS_PER_MEMBER: '100' } });
  const c = await h.challenge();
  const res = await h.postJson('/auth/verify', { message: c.message, signature: await orchestrator.signMessage({ message: c.message }) });
  secretKey = ((await res.json()) as { key: string }).key;
  const s = await h.challenge();
  const signedIn = await h.postJson('/auth/verify', { message: s.message, signature: await orchestrator.signMessage({ message: s.message }), purpose: 'session' });
  session = { cookie: signedIn.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await signedIn.json()) as { csrf: string }).csrf };
});

test.after(async () => {
  await h?.stop();
});

/** The checks every answer must pass, whatever was sent. */
async function check(what: string, res: Response, payload: string): Promise<string> {
  const body = await res.text();
  assert.ok(ALLOWED.has(res.status), `${what}: status ${res.status} ${body.slice(0, 200)}`);
  for (const leak of LEAKS) assert.not.match(body, leak, `${what}: leaks ${leak}`);
  assert.not.ok(body.includes(secretKey), `${what}: the API key leaked`);
  assert.not.ok(body.includes(session.cookie.split('=')[1]!), `${what}: the session token leaked`);
  if ((res.headers.get('content-type') ?? '').startsWith('text/html')) {
    if (/[<>"'`]/.test(payload)) assert.not.ok(body.includes(payload), `${what}: raw payload in the page`);
    for (const tag of body.match(/<[a-z][^>]*>/gi) ?? []) {
      assert.not.match(tag.replace(/"[^"]*"/g, '""'), /\son[a-z]+\s*=/i, `${what}: event handler in a real tag ${tag}`);
    }
    assert.not.match(body, /<script(?![^>]*src="\/portal\/app\.js")/i, `${what}: a script element that is not ours`);
  }
  return body;
}

test('sign-in fields (JSON): every payload in every field is refused cleanly', async () => {
  const c = await h.challenge();
  const signature = await orchestrator.signMessage({ message: c.message });
  for (const p of PAYLOADS) {
    for (const body of [
      { message: p, signature },
      { message: c.message, signature: p },
      { message: c.message, signature, address: p },
      { message: c.message, signature, purpose: p },
      { message: [p], signature: { $gt: p }, address: 42, label: false },
    ]) {
      const res = await h.postJson('/auth/verify', body);
      await check(`verify ${JSON.stringify(body).slice(0, 60)}`, res, p);
      assert.is.not(res.status, 201, 'no key for a tampered request');
    }
  }
});

test('labels are free text: stored verbatim when short and printable, refused otherwise, and shown only escaped', async () => {
  for (const p of PAYLOADS) {
    const c = await h.challenge();
    const res = await h.postJson('/auth/verify', { message: c.message, signature: await orchestrator.signMessage({ message: c.message }), label: p });
    await check(`label ${p.slice(0, 20)}`, res, p);
    const printable = p.length <= 200 && !/[\u0000-\u001f]/.test(p);
    assert.is(res.status, printable ? 201 : 400, p.slice(0, 30));
  }
  const page = await check('account', await h.get('/account', { cookie: session.cookie, accept: 'text/html' }), PAYLOADS[4]!);
  assert.ok(page.includes(escapeHtml(PAYLOADS[5]!)));
});

test('sign-in fields (portal form): the page shown again carries the payload only escaped', async () => {
  const c = await h.challenge();
  for (const p of PAYLOADS) {
    const forms: Array<Record<string, string>> = [
      { message: p, signature: p, address: p, label: p, purpose: 'key' },
      { message: c.message, signature: p, address: p, purpose: 'session' },
    ];
    for (const fields of forms) {
      const res = await h.postForm('/auth/verify', fields);
      const body = await check(`verify form ${p.slice(0, 30)}`, res, p);
      if (new URLSearchParams(fields).toString().length > 16 * 1024) assert.is(res.status, 413, 'a form over the body limit is refused unread');
      else assert.is(res.status, 400);
      if (p.length < 1000 && /[<>"']/.test(p)) assert.ok(body.includes(escapeHtml(p)), 'the member sees what they typed, escaped');
    }
  }
});

test('key ids in account paths, cookies, query strings and portal paths never break out', async () => {
  for (const p of PAYLOADS) {
    const id = encodeURIComponent(p);
    for (const action of ['revoke', 'rotate']) {
      await check(`${action} ${p.slice(0, 20)}`, await h.postJson(`/account/keys/${id}/${action}`, { csrf: session.csrf }, { cookie: session.cookie }), p);
    }
    await check('cookie', await h.get('/account', { cookie: `gw_session=${encodeURIComponent(p)}`, accept: 'text/html' }), p);
    await check('cookie json', await h.get('/account', { cookie: `gw_session=${encodeURIComponent(p)}; other=1`, accept: 'application/json' }), p);
    await check('query', await h.get(`/account?revoked=${id}`, { cookie: session.cookie, accept: 'text/html' }), p);
    await check('path', await h.get(`/keys/new/${id}`, { accept: 'text/html' }), p);
    await check('path', await h.get(`/${id}`, { accept: 'text/html' }), p);
    await check('origin', await h.postJson('/auth/challenge', {}, { origin: `https://${id}` }), p);
    await check('csrf', await h.postJson('/account/keys', { csrf: p, label: p }, { cookie: session.cookie }), p);
    await check('label', await h.postForm('/account/keys', { csrf: session.csrf, label: p }, { cookie: session.cookie }), p);
  }
  await check('bad escape', await h.get('/account/%E0%A4%A', { accept: 'text/html' }), '');
  await check('bad escape', await h.postJson('/account/keys/%E0%A4%A/revoke', {}, { cookie: session.cookie }), '');
});

test('after the fuzzing the database is intact, only legitimate keys exist, and nothing unexpected was reported', async () => {
  const db = h.tg.gw.database.db;
  const tables = await db.map("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1", [], (r: { tablename: string }) => r.tablename);
  for (const t of ['api_keys', 'members', 'member_sessions', 'signin_nonces']) assert.ok(tables.includes(t), `${t} still exists`);
  const keys = await db.any('SELECT label FROM api_keys WHERE member_address = $1 AND revoked_at IS NULL', [orchestrator.address.toLowerCase()]);
  for (const k of keys as Array<{ label: string | null }>) {
    if (k.label !== null) assert.ok(PAYLOADS.some((p) => p === k.label), 'a label stored is one of the payloads, verbatim (labels are text)');
  }
  assert.equal(h.tg.of('gateway.error'), [], 'no unexpected error inside the gateway');
  assert.equal(h.tg.listenerErrors, []);
  assert.is((await h.useKey(secretKey)).status, 200, 'the key made before the fuzzing still works');
});

test.run();
