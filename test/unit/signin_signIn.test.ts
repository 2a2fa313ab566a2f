// One sign-in attempt as /auth/verify runs it: garbage refused before any signature work, the signer admitted
// or told why not, and the challenge redeemed only for an admitted signer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HTTP_STATUS } from '../../gateway/src/common/errors.ts';
import { concat, keccak256, stringToBytes } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import { ChallengeRejectedError, issueChallenge } from '../../gateway/src/signin/challenge.ts';
import { SignerMismatchError } from '../../gateway/src/signin/signature.ts';
import { BadInputError } from '../../gateway/src/common/errors.ts';
import { signIn, type Admission, type SignInDeps, NotEligibleError } from '../../gateway/src/signin/signIn.ts';
import { MemoryNonceStore } from '../helpers/memoryNonceStore.ts';
import { TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';

const DOMAIN = 'rpc.example.org';
const member = privateKeyToAccount(TEST_PRIVATE_KEYS[0]);
const stranger = privateKeyToAccount(TEST_PRIVATE_KEYS[1]);

function setup() {
  const nonces = new MemoryNonceStore();
  const asked: string[] = [];
  const deps: SignInDeps = {
    domain: DOMAIN,
    nonces,
    admit: async (address): Promise<Admission> => {
      asked.push(address);
      return address === member.address.toLowerCase()
        ? { allowed: true }
        : { allowed: false, why: `${address} is not an active orchestrator.`, whatToDo: 'Ask the operator for a grant.' };
    },
  };
  return { nonces, asked, deps };
}

async function refusal<T extends Error>(p: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, type);
    return err as T;
  }
  throw new Error(`expected ${type.name}`);
}

test('an admitted signer signs in and the challenge is spent', async () => {
  const { nonces, deps } = setup();
  const c = await issueChallenge(nonces, DOMAIN);
  const got = await signIn({ message: c.message, signature: await member.signMessage({ message: c.message }) }, deps);
  assert.is(got.address, member.address);
  assert.is(await nonces.consume(c.nonce), 'used');
});

test('an old livepeer_cli signature (fixed-32 prefix, newline kept, v 0/1, no 0x) is admitted without an address', async () => {
  const { nonces, deps } = setup();
  const c = await issueChallenge(nonces, DOMAIN);
  const hash = keccak256(concat([stringToBytes('\x19Ethereum Signed Message:\n32'), stringToBytes(`${c.message}\n`)]));
  const s = await sign({ hash, privateKey: TEST_PRIVATE_KEYS[0], to: 'object' });
  const got = await signIn({ message: `${c.message}\n`, signature: `${s.r.slice(2)}${s.s.slice(2)}0${s.yParity}` }, deps);
  assert.is(got.address, member.address);
  assert.equal(got.variant.scheme, 'fixed32');
});

test('a message that is not our challenge is refused before any address is looked up', async () => {
  const { deps, asked } = setup();
  for (const message of ['hello', '', 42, undefined, "' OR 1=1 --", 'Sign in to the Livepeer RPC gateway at evil.example. Nonce: x.']) {
    const err = await refusal(signIn({ message, signature: '0x00' }, deps), ChallengeRejectedError);
    assert.is(err.problem, 'malformed');
  }
  assert.equal(asked, []);
});

test('a stranger is refused with 403, why and what to do, and the challenge stays usable for the right account', async () => {
  const { nonces, deps } = setup();
  const c = await issueChallenge(nonces, DOMAIN);
  const err = await refusal(signIn({ message: c.message, signature: await stranger.signMessage({ message: c.message }) }, deps), NotEligibleError);
  assert.is(HTTP_STATUS[err.kind], 403);
  assert.is(err.address, stranger.address);
  assert.match(err.message, /not an active orchestrator\. Ask the operator for a grant\./);
  const got = await signIn({ message: c.message, signature: await member.signMessage({ message: c.message }) }, deps);
  assert.is(got.address, member.address);
});

test('a claimed address must be the signer (400), and a claimed stranger is refused (403)', async () => {
  const { nonces, deps } = setup();
  const c = await issueChallenge(nonces, DOMAIN);
  const byStranger = await stranger.signMessage({ message: c.message });
  const mismatch = await refusal(signIn({ message: c.message, signature: byStranger, address: member.address }, deps), SignerMismatchError);
  assert.is(HTTP_STATUS[mismatch.kind], 400);
  await refusal(signIn({ message: c.message, signature: byStranger, address: stranger.address }, deps), NotEligibleError);
  await refusal(signIn({ message: c.message, signature: byStranger, address: { $ne: null } }, deps), BadInputError);
  assert.is(await nonces.consume(c.nonce), 'ok', 'none of these spent the challenge');
});

test('each candidate address is looked up once, however many signature variants it takes', async () => {
  const { nonces, deps, asked } = setup();
  const c = await issueChallenge(nonces, DOMAIN);
  await refusal(signIn({ message: c.message, signature: await stranger.signMessage({ message: c.message }) }, deps), NotEligibleError);
  assert.is(new Set(asked).size, asked.length);
});

test('a replayed challenge is refused as used', async () => {
  const { nonces, deps } = setup();
  const c = await issueChallenge(nonces, DOMAIN);
  const request = { message: c.message, signature: await member.signMessage({ message: c.message }) };
  await signIn(request, deps);
  const err = await refusal(signIn(request, deps), ChallengeRejectedError);
  assert.is(err.problem, 'used');
});

test.run();
