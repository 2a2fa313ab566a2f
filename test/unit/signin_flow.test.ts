// The sign-in sequence as /auth/verify will run it: verify the signature, then redeem the challenge once.
// Signed as a current and as an old livepeer_cli would, against the in-memory nonce store.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat, keccak256, stringToBytes } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import { ChallengeRejectedError, issueChallenge, redeemChallenge, type NonceStore } from '../../gateway/src/signin/challenge.ts';
import { SignerMismatchError, UnknownSignerError, verifySignature, type VerifiedSigner } from '../../gateway/src/signin/signature.ts';
import { MemoryNonceStore } from '../helpers/memoryNonceStore.ts';
import { TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';

const DOMAIN = 'rpc.example.org';
const orchestrator = privateKeyToAccount(TEST_PRIVATE_KEYS[0]);
const stranger = privateKeyToAccount(TEST_PRIVATE_KEYS[1]);
const active = new Set([orchestrator.address.toLowerCase()]);

async function signIn(store: NonceStore, message: string, signature: string, address?: string, now?: Date): Promise<VerifiedSigner> {
  const signer = await verifySignature(message, signature, address ? { address } : { isCandidate: (a) => active.has(a) });
  await redeemChallenge(message, { domain: DOMAIN, store, now });
  return signer;
}

/** What an old CLI and node produced: line kept with "\n", fixed-32 prefix, v 0/1, hex without 0x. */
async function oldCliSignature(privateKey: `0x${string}`, line: string): Promise<string> {
  const hash = keccak256(concat([stringToBytes('\x19Ethereum Signed Message:\n32'), stringToBytes(`${line}\n`)]));
  const s = await sign({ hash, privateKey, to: 'object' });
  return `${s.r.slice(2)}${s.s.slice(2)}0${s.yParity}`;
}

test('an orchestrator on a current livepeer_cli signs in once; the same signature replayed is refused', async () => {
  const store = new MemoryNonceStore();
  const c = await issueChallenge(store, DOMAIN);
  const signature = `Signature:\n${await orchestrator.signMessage({ message: c.message })}\n`;
  const signer = await signIn(store, c.message, signature);
  assert.is(signer.address, orchestrator.address);
  assert.is(signer.matchedBy, 'predicate');
  try {
    await signIn(store, c.message, signature);
    assert.unreachable('replay accepted');
  } catch (err) {
    assert.instance(err, ChallengeRejectedError);
    assert.is((err as ChallengeRejectedError).problem, 'used');
  }
});

test('an orchestrator on an old livepeer_cli signs in with the line it pasted, newline included', async () => {
  const store = new MemoryNonceStore();
  const c = await issueChallenge(store, DOMAIN);
  const signer = await signIn(store, `${c.message}\n`, await oldCliSignature(TEST_PRIVATE_KEYS[0], c.message));
  assert.is(signer.address, orchestrator.address);
  assert.equal(signer.variant, { scheme: 'fixed32', ending: 'lf', v: signer.variant.v });
  assert.ok(signer.variant.v === 0 || signer.variant.v === 1);
});

test('a bad signature does not burn the challenge: the member can retry with the right account', async () => {
  const store = new MemoryNonceStore();
  const c = await issueChallenge(store, DOMAIN);
  try {
    await signIn(store, c.message, await stranger.signMessage({ message: c.message }), orchestrator.address);
    assert.unreachable('wrong account accepted');
  } catch (err) {
    assert.instance(err, SignerMismatchError);
  }
  try {
    await signIn(store, c.message, await stranger.signMessage({ message: c.message }));
    assert.unreachable('non-member accepted');
  } catch (err) {
    assert.instance(err, UnknownSignerError);
    assert.is((err as UnknownSignerError).recovered, stranger.address);
  }
  const signer = await signIn(store, c.message, await orchestrator.signMessage({ message: c.message }), orchestrator.address);
  assert.is(signer.matchedBy, 'address');
});

test('a signed challenge presented after its expiry is refused as expired', async () => {
  const store = new MemoryNonceStore();
  const c = await issueChallenge(store, DOMAIN, new Date(), { ttlMs: 60_000 });
  const signature = await orchestrator.signMessage({ message: c.message });
  try {
    await signIn(store, c.message, signature, undefined, new Date(c.expiresAt.getTime() + 1));
    assert.unreachable('expired challenge accepted');
  } catch (err) {
    assert.instance(err, ChallengeRejectedError);
    assert.is((err as ChallengeRejectedError).problem, 'expired');
  }
});

test('a message edited after signing (another nonce) fails the signature check before the store is asked', async () => {
  const store = new MemoryNonceStore();
  const signed = await issueChallenge(store, DOMAIN);
  const other = await issueChallenge(store, DOMAIN);
  const signature = await orchestrator.signMessage({ message: signed.message });
  const edited = signed.message.replace(signed.nonce, other.nonce);
  try {
    await signIn(store, edited, signature, orchestrator.address);
    assert.unreachable('edited message accepted');
  } catch (err) {
    assert.instance(err, SignerMismatchError);
  }
  assert.is(await store.consume(other.nonce), 'ok', 'the other nonce was not consumed');
});

test.run();
