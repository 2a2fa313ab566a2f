import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  API_KEY_LENGTH,
  API_KEY_PREFIX_LENGTH,
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
  isWellFormedApiKey,
} from '../../gateway/src/access/apiKey.ts';

test('a generated key is 43 base64url characters encoding 32 random bytes', () => {
  for (let i = 0; i < 200; i++) {
    const { key } = generateApiKey();
    assert.is(key.length, API_KEY_LENGTH);
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    const bytes = Buffer.from(key, 'base64url');
    assert.is(bytes.length, 32);
    assert.is(bytes.toString('base64url'), key, 'canonical encoding');
  }
});

test('generated keys and their hashes do not repeat', () => {
  const keys = new Set<string>();
  const hashes = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const k = generateApiKey();
    keys.add(k.key);
    hashes.add(k.hash);
  }
  assert.is(keys.size, 2000);
  assert.is(hashes.size, 2000);
});

test('the hash is the hex SHA-256 of the key and the prefix its first characters', () => {
  const k = generateApiKey();
  assert.is(k.hash, createHash('sha256').update(k.key).digest('hex'));
  assert.is(k.hash, hashApiKey(k.key));
  assert.match(k.hash, /^[0-9a-f]{64}$/);
  assert.ok(!k.hash.includes(k.key));
  assert.is(k.prefix, k.key.slice(0, API_KEY_PREFIX_LENGTH));
  assert.is(apiKeyPrefix(k.key), k.prefix);
  // A published SHA-256 test vector, so the hash is not just self-consistent.
  assert.is(hashApiKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('isWellFormedApiKey accepts exactly what generateApiKey produces', () => {
  for (let i = 0; i < 200; i++) assert.ok(isWellFormedApiKey(generateApiKey().key));
  const good = generateApiKey().key;
  const bad = [
    '',
    good.slice(1),
    `${good}A`,
    `${good.slice(0, 42)}B`, // last character would carry bits past the 32nd byte
    `${good.slice(0, 20)}+${good.slice(21)}`, // base64, not base64url
    `${good.slice(0, 20)}/${good.slice(21)}`,
    `${good.slice(0, 42)}=`,
    ` ${good.slice(1)}`,
    `${good.slice(0, 42)}\n`,
    `${good.slice(0, 20)}é${good.slice(21)}`,
    'x'.repeat(10_000),
  ];
  for (const s of bad) assert.not.ok(isWellFormedApiKey(s), JSON.stringify(s.slice(0, 60)));
  assert.not.ok(isWellFormedApiKey(undefined as unknown as string));
});

test.run();
