// The EIP-712 form of a challenge, for newer livepeer_cli's "Sign typed data": the JSON the node reads,
// a digest computed the way go-ethereum's apitypes does, and verification through verifySignature.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat, keccak256, stringToBytes, type Hex } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import { createChallenge, typedChallenge, typedChallengeJson } from '../../gateway/src/signin/challenge.ts';
import { SignerMismatchError, verifySignature } from '../../gateway/src/signin/signature.ts';
import { TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';

const challenge = createChallenge('rpc.example.org', new Date('2025-11-25T19:33:00Z'), { random: () => new Uint8Array(16).fill(0xab) });
const SIGNER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'; // TEST_PRIVATE_KEYS[1]
// go-ethereum SignTypedData: keccak256("\x19\x01" ‖ hashStruct(EIP712Domain) ‖ hashStruct(SignIn)), raw ECDSA, v + 27
const TYPED_VECTOR =
  '0x7cb65866cc49fdd47fd4cd247a6adadeaf2c99e64fb1a534fb11fcac14c2baee5933faabba4b9d89142aaff71e7d647c4390752347d16a7bcf4e3d033e1bf4971b';

/** hashStruct for a struct of string fields, written out from EIP-712: typeHash ‖ keccak256(each value). */
function hashStringStruct(typeString: string, values: string[]): Hex {
  return keccak256(concat([keccak256(stringToBytes(typeString)), ...values.map((v) => keccak256(stringToBytes(v)))]));
}

function goEthereumTypedDigest(): Hex {
  const domain = hashStringStruct('EIP712Domain(string name,string version)', ['Livepeer RPC gateway', '1']);
  const m = typedChallenge(challenge).message;
  const struct = hashStringStruct('SignIn(string gateway,string nonce,string issuedAt,string expiresAt)', [
    m.gateway,
    m.nonce,
    m.issuedAt,
    m.expiresAt,
  ]);
  return keccak256(concat(['0x1901', domain, struct]));
}

test('the typed challenge is one JSON line with types, primaryType, domain and message as apitypes.TypedData reads it', () => {
  const json = typedChallengeJson(challenge);
  assert.not.ok(json.includes('\n'));
  const parsed = JSON.parse(json) as Record<string, unknown>;
  assert.equal(Object.keys(parsed).sort(), ['domain', 'message', 'primaryType', 'types']);
  assert.is(parsed.primaryType, 'SignIn');
  assert.equal(parsed.message, {
    gateway: 'rpc.example.org',
    nonce: challenge.nonce,
    issuedAt: '2025-11-25T19:33:00Z',
    expiresAt: '2025-11-25T19:43:00Z',
  });
  assert.ok('EIP712Domain' in (parsed.types as object), 'the node hashes the domain with the types it is given');
});

test('a fixed vector signed over the go-ethereum typed-data digest verifies as eip712', async () => {
  const raw = await sign({ hash: goEthereumTypedDigest(), privateKey: TEST_PRIVATE_KEYS[1], to: 'object' });
  const made = `0x${raw.r.slice(2)}${raw.s.slice(2)}${raw.yParity === 0 ? '1b' : '1c'}`;
  assert.is(made, TYPED_VECTOR, 'our digest matches the one viem signs for the same typed data');
  const got = await verifySignature(challenge.message, TYPED_VECTOR, { address: SIGNER });
  assert.equal(got, { address: SIGNER, variant: { scheme: 'eip712', ending: 'none', v: 27 }, matchedBy: 'address' });
});

test('a typed signature with v 0/1 is accepted too', async () => {
  const account = privateKeyToAccount(TEST_PRIVATE_KEYS[2]);
  const sig = await account.signTypedData(typedChallenge(challenge));
  const v = Number.parseInt(sig.slice(130), 16) - 27;
  const got = await verifySignature(`${challenge.message}\n`, `${sig.slice(2, 130)}0${v}`, { address: account.address });
  assert.equal(got.variant, { scheme: 'eip712', ending: 'none', v: v as 0 | 1 });
});

test('a typed signature for another challenge, or over a message that is not a challenge, is not accepted', async () => {
  const account = privateKeyToAccount(TEST_PRIVATE_KEYS[1]);
  const other = createChallenge('rpc.example.org', new Date('2025-11-25T19:33:00Z'));
  const sig = await account.signTypedData(typedChallenge(other));
  for (const message of [challenge.message, 'hello world']) {
    try {
      await verifySignature(message, sig, { address: account.address });
      assert.unreachable('accepted a typed signature over other data');
    } catch (err) {
      assert.instance(err, SignerMismatchError);
    }
  }
});

test.run();
