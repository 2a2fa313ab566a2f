// Sign-in challenges: one pasteable line, parsed back exactly, redeemed once against the in-memory nonce store.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HTTP_STATUS } from '../../gateway/src/common/errors.ts';
import {
  ChallengeRejectedError,
  DEFAULT_CHALLENGE_TTL_MS,
  createChallenge,
  issueChallenge,
  parseChallenge,
  redeemChallenge,
  type NonceStore,
} from '../../gateway/src/signin/challenge.ts';
import { MemoryNonceStore } from '../helpers/memoryNonceStore.ts';

const T0 = new Date('2025-11-25T19:33:00.750Z');
const DOMAIN = 'rpc.example.org';

function store(nowMs = T0.getTime()): MemoryNonceStore {
  return new MemoryNonceStore({ now: () => nowMs });
}

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<ChallengeRejectedError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    assert.instance(err, ChallengeRejectedError);
    assert.is(HTTP_STATUS[(err as ChallengeRejectedError).kind], 400);
    return err as ChallengeRejectedError;
  }
  throw new Error('expected a ChallengeRejectedError');
}

test('a challenge is one printable line naming the domain, a 128-bit nonce, issue time and a 10 minute expiry', () => {
  const c = createChallenge(DOMAIN, T0);
  assert.ok(/^[\x20-\x7e]+$/.test(c.message), 'printable ASCII, no line break');
  assert.ok(c.message.includes(DOMAIN));
  assert.match(c.nonce, /^[0-9a-f]{32}$/);
  assert.ok(c.message.includes(c.nonce));
  assert.is(c.issuedAt.toISOString(), '2025-11-25T19:33:00.000Z', 'whole seconds, as written');
  assert.is(c.expiresAt.getTime() - c.issuedAt.getTime(), DEFAULT_CHALLENGE_TTL_MS);
  assert.ok(c.message.includes('2025-11-25T19:33:00Z') && c.message.includes('2025-11-25T19:43:00Z'));
  assert.is(createChallenge(DOMAIN, T0, { ttlMs: 60_000 }).expiresAt.toISOString(), '2025-11-25T19:34:00.000Z');
});

test('each challenge gets a fresh nonce', () => {
  const nonces = new Set(Array.from({ length: 50 }, () => createChallenge(DOMAIN, T0).nonce));
  assert.is(nonces.size, 50);
});

test('parsing gives back exactly what was created, with or without a pasted line ending', () => {
  const c = createChallenge('127.0.0.1:8080', T0);
  assert.equal(parseChallenge(c.message), c);
  assert.equal(parseChallenge(`${c.message}\n`), c);
  assert.equal(parseChallenge(`${c.message}\r\n`), c);
});

test('anything but an intact challenge line is malformed', async () => {
  const c = createChallenge(DOMAIN, T0);
  const broken = [
    '',
    undefined,
    42,
    ` ${c.message}`,
    `${c.message} extra`,
    `${c.message}\nsecond line`,
    c.message.replace(c.nonce, c.nonce.toUpperCase()),
    c.message.replace(c.nonce, c.nonce.slice(1)),
    c.message.replace('Expires at: 2025-11-25T19:43:00Z', 'Expires at: 2025-11-25T19:30:00Z'),
    c.message.replace('2025-11-25T19:33:00Z', '2025-13-45T19:33:00Z'),
    c.message.replace(DOMAIN, "evil.org'; DROP TABLE members; --"),
    'x'.repeat(5000),
  ];
  for (const message of broken) {
    const err = await rejection(() => parseChallenge(message));
    assert.is(err.problem, 'malformed', JSON.stringify(message)?.slice(0, 80));
  }
});

test('a domain that could break the line or smuggle text is refused when building a challenge', async () => {
  for (const domain of ['', 'a b', 'evil.org. Nonce: 00', 'x\ny', '<b>x</b>', 'a'.repeat(300)]) {
    await rejection(() => createChallenge(domain, T0));
  }
  assert.ok(createChallenge('[::1]:8080', T0).message.includes('[::1]:8080'));
});

test('an issued challenge is redeemed once; a replay is refused as used', async () => {
  const nonces = store();
  const c = await issueChallenge(nonces, DOMAIN, T0);
  const redeemed = await redeemChallenge(c.message, { domain: DOMAIN, store: nonces, now: T0 });
  assert.is(redeemed.nonce, c.nonce);
  const err = await rejection(redeemChallenge(c.message, { domain: DOMAIN, store: nonces, now: T0 }));
  assert.is(err.problem, 'used');
  assert.match(err.message, /already used/);
});

test('an expired challenge is refused, whether its own expiry or the store says so', async () => {
  const nonces = store();
  const c = await issueChallenge(nonces, DOMAIN, T0);
  const late = new Date(c.expiresAt.getTime());
  const err = await rejection(redeemChallenge(c.message, { domain: DOMAIN, store: nonces, now: late }));
  assert.is(err.problem, 'expired');
  // a forged message that claims a later expiry for the same nonce: the store's own expiry wins
  const forged = c.message.replace('Expires at: 2025-11-25T19:43:00Z', 'Expires at: 2025-11-25T23:43:00Z');
  const err2 = await rejection(redeemChallenge(forged, { domain: DOMAIN, store: nonces, now: late }));
  assert.is(err2.problem, 'expired');
  // and the genuine one is still unused: expiry does not consume
  assert.is(await nonces.consume(c.nonce, T0), 'ok');
});

test('a challenge this gateway never issued, or issued for another domain, is refused', async () => {
  const nonces = store();
  const foreign = createChallenge(DOMAIN, T0);
  assert.is((await rejection(redeemChallenge(foreign.message, { domain: DOMAIN, store: nonces, now: T0 }))).problem, 'unknown');
  const other = await issueChallenge(nonces, 'other.example.org', T0);
  const err = await rejection(redeemChallenge(other.message, { domain: DOMAIN, store: nonces, now: T0 }));
  assert.is(err.problem, 'wrong_domain');
  assert.is(await nonces.consume(other.nonce, T0), 'ok', 'a refused domain does not burn the nonce');
  const upper = await issueChallenge(nonces, DOMAIN, T0);
  await redeemChallenge(upper.message, { domain: DOMAIN.toUpperCase(), store: nonces, now: T0 });
});

test('of two concurrent redemptions of one challenge exactly one succeeds', async () => {
  const nonces: NonceStore = store();
  const c = await issueChallenge(nonces, DOMAIN, T0);
  const results = await Promise.allSettled(
    Array.from({ length: 5 }, () => redeemChallenge(c.message, { domain: DOMAIN, store: nonces, now: T0 })),
  );
  assert.is(results.filter((r) => r.status === 'fulfilled').length, 1);
});

test('the memory store stays bounded: expired nonces are swept and the oldest go first past the limit', async () => {
  let now = T0.getTime();
  const nonces = new MemoryNonceStore({ maxEntries: 3, now: () => now });
  const first = await issueChallenge(nonces, DOMAIN, new Date(now));
  for (let i = 0; i < 3; i++) await issueChallenge(nonces, DOMAIN, new Date(now));
  assert.is(nonces.size(), 3);
  assert.is(await nonces.consume(first.nonce, new Date(now)), 'unknown', 'evicted, never ok');
  now += DEFAULT_CHALLENGE_TTL_MS + 1000;
  await issueChallenge(nonces, DOMAIN, new Date(now));
  assert.is(nonces.size(), 1, 'the expired ones were swept');
});

test.run();
