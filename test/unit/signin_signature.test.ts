// Sign-in signatures in every form livepeer_cli has produced: current (EIP-191, v 27/28) and old
// (fixed "\n32" prefix, v 0/1, trailing newline kept, hex without 0x), plus pasted noise and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HTTP_STATUS } from '../../gateway/src/common/errors.ts';
import { concat, keccak256, stringToBytes, type Hex } from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import {
  InvalidSignatureError,
  SignerMismatchError,
  UnknownSignerError,
  parseSignatureText,
  signedHash,
  verifySignature,
  type MessageEnding,
  type MessagePrefix,
} from '../../gateway/src/signin/signature.ts';
import { InvalidAddressError } from '../../gateway/src/membership/errors.ts';
import { TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';

const MESSAGE =
  'Sign in to the Livepeer RPC gateway at rpc.example.org. Nonce: abababababababababababababababab. Issued at: 2025-11-25T19:33:00Z. Expires at: 2025-11-25T19:43:00Z.';
const SIGNER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'; // TEST_PRIVATE_KEYS[1]

// Made the way a current go-livepeer node signs: keccak256("\x19Ethereum Signed Message:\n" + len + msg)
// (accounts.TextHash), raw-hash ECDSA, v + 27; the CLI prints "0x" + 130 hex digits.
const CURRENT_VECTOR =
  '0xd2fd537e68de66b29dbd6b54c655e0a551723aa3f293a10771e3f1450df223dd1fc0b7d72295f3db73ee50450685f0f05959c714d789395df08486e9b73496561c';
// Made the way old go-livepeer signed: keccak256("\x19Ethereum Signed Message:\n32" + line + "\n"),
// raw-hash ECDSA with v 0/1, printed with %x (no 0x).
const OLD_VECTOR =
  '96d6e07a82eefa36eff94d8350768e288135755ac6643860d952f2544c3825212481dd2acb77b2cc81e4011645acf198da033dac2cde93e99e41bf4639d0665100';

test('a fixed vector from a current livepeer_cli verifies as EIP-191 over the exact line with v 28', async () => {
  const got = await verifySignature(MESSAGE, CURRENT_VECTOR, { address: SIGNER });
  assert.equal(got, { address: SIGNER, variant: { scheme: 'eip191', ending: 'none', v: 28 }, matchedBy: 'address' });
  // the current format is also what is assumed when nothing tells the variants apart
  const assumed = await verifySignature(MESSAGE, CURRENT_VECTOR);
  assert.equal(assumed, { address: SIGNER, variant: { scheme: 'eip191', ending: 'none', v: 28 }, matchedBy: 'assumed' });
});

test('the current vector is exactly what viem personal_sign produces, so our hash is go-ethereum TextHash', async () => {
  const account = privateKeyToAccount(TEST_PRIVATE_KEYS[1]);
  assert.is(await account.signMessage({ message: MESSAGE }), CURRENT_VECTOR);
  const data = stringToBytes(MESSAGE);
  assert.is(signedHash(MESSAGE, 'eip191'), keccak256(concat([stringToBytes(`\x19Ethereum Signed Message:\n${data.length}`), data])));
});

test('a fixed vector from an old livepeer_cli verifies as the fixed-32 prefix over the line with its newline, v 0', async () => {
  const got = await verifySignature(MESSAGE, OLD_VECTOR, { address: SIGNER.toLowerCase() });
  assert.equal(got, { address: SIGNER, variant: { scheme: 'fixed32', ending: 'lf', v: 0 }, matchedBy: 'address' });
});

test('without an address, a predicate picks the variant whose signer it knows', async () => {
  const asked: string[] = [];
  const got = await verifySignature(MESSAGE, OLD_VECTOR, {
    isCandidate: async (a) => {
      asked.push(a);
      return a === SIGNER.toLowerCase();
    },
  });
  assert.equal(got.variant, { scheme: 'fixed32', ending: 'lf', v: 0 });
  assert.is(got.matchedBy, 'predicate');
  assert.is(asked.length, 4, 'three EIP-191 endings were asked about first');
  // with nothing to go on, the old signature stands for some other address: the caller must say who it expects
  const assumed = await verifySignature(MESSAGE, OLD_VECTOR);
  assert.is.not(assumed.address, SIGNER);
});

const PREFIXES: MessagePrefix[] = ['eip191', 'fixed32'];
const ENDINGS: Array<[MessageEnding, string]> = [
  ['none', ''],
  ['lf', '\n'],
  ['crlf', '\r\n'],
];

async function signVariant(privateKey: Hex, prefix: MessagePrefix, text: string, legacyV: boolean): Promise<string> {
  // built by hand from the byte layout go-livepeer uses, not from the module under test
  const bytes = stringToBytes(text);
  const prefixText = prefix === 'eip191' ? `\x19Ethereum Signed Message:\n${bytes.length}` : '\x19Ethereum Signed Message:\n32';
  const hash = keccak256(concat([stringToBytes(prefixText), bytes]));
  const sig = await sign({ hash, privateKey, to: 'object' });
  const v = (sig.yParity ?? 0) + (legacyV ? 27 : 0);
  return `${sig.r.slice(2)}${sig.s.slice(2)}${v.toString(16).padStart(2, '0')}`;
}

test('every prefix, line ending and v form made with viem is recovered and named', async () => {
  const privateKey = TEST_PRIVATE_KEYS[2];
  const address = privateKeyToAccount(privateKey).address;
  for (const prefix of PREFIXES) {
    for (const [ending, suffix] of ENDINGS) {
      for (const legacyV of [true, false]) {
        const hex = await signVariant(privateKey, prefix, MESSAGE + suffix, legacyV);
        const v = Number.parseInt(hex.slice(128), 16);
        for (const shown of [`0x${hex}`, hex]) {
          const got = await verifySignature(MESSAGE, shown, { address });
          assert.equal(got.variant, { scheme: prefix, ending, v }, `${prefix}/${ending}/v=${v}`);
          assert.is(got.address, address);
        }
      }
    }
  }
});

test('a message sent back with its line ending still matches a signature over the bare line', async () => {
  for (const pasted of [`${MESSAGE}\n`, `${MESSAGE}\r\n`]) {
    const got = await verifySignature(pasted, CURRENT_VECTOR, { address: SIGNER });
    assert.equal(got.variant, { scheme: 'eip191', ending: 'none', v: 28 });
  }
});

test('pasted noise around the signature is tolerated: label, whitespace, line breaks, 0X and upper case', () => {
  const bare = CURRENT_VECTOR.slice(2);
  const forms = [
    `  Signature:\n${CURRENT_VECTOR}\n`,
    `Signature: ${CURRENT_VECTOR}`,
    `0X${bare.toUpperCase()}`,
    `${bare.slice(0, 70)}\n${bare.slice(70)}`,
    `\t${bare}\r\n`,
  ];
  for (const form of forms) assert.is(parseSignatureText(form).hex, CURRENT_VECTOR, JSON.stringify(form));
});

function problemOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.instance(err, InvalidSignatureError);
    assert.is(HTTP_STATUS[(err as InvalidSignatureError).kind], 400);
    return (err as InvalidSignatureError).problem;
  }
  return undefined;
}

test('malformed signatures are refused with the reason', () => {
  const bare = CURRENT_VECTOR.slice(2);
  assert.is(problemOf(() => parseSignatureText('')), 'empty');
  assert.is(problemOf(() => parseSignatureText('   0x  ')), 'empty');
  assert.is(problemOf(() => parseSignatureText(undefined)), 'empty');
  assert.is(problemOf(() => parseSignatureText({ sig: CURRENT_VECTOR })), 'empty');
  assert.is(problemOf(() => parseSignatureText(`0x${bare.slice(0, 129)}g`)), 'bad_hex');
  assert.is(problemOf(() => parseSignatureText(`<script>${bare}`)), 'bad_hex');
  assert.is(problemOf(() => parseSignatureText(bare.slice(0, 128))), 'wrong_length');
  assert.is(problemOf(() => parseSignatureText(bare.slice(0, 129))), 'wrong_length');
  assert.is(problemOf(() => parseSignatureText(`${bare}00`)), 'wrong_length');
  assert.is(problemOf(() => parseSignatureText(`${bare.slice(0, 128)}1d`)), 'bad_v');
  assert.is(problemOf(() => parseSignatureText(`${bare.slice(0, 128)}02`)), 'bad_v');
  try {
    parseSignatureText(bare.slice(0, 128));
  } catch (err) {
    assert.match((err as Error).message, /expected 65 bytes \(130 hex digits\), got 128/);
  }
});

test('a signature no key can have made is refused as unrecoverable', async () => {
  const zeroR = `0x${'00'.repeat(32)}${CURRENT_VECTOR.slice(66, 130)}1b`;
  try {
    await verifySignature(MESSAGE, zeroR);
    assert.unreachable('r = 0 must not recover');
  } catch (err) {
    assert.instance(err, InvalidSignatureError);
    assert.is((err as InvalidSignatureError).problem, 'unrecoverable');
  }
});

test('a signature by another account is refused with both addresses named', async () => {
  const other = privateKeyToAccount(TEST_PRIVATE_KEYS[0]).address;
  try {
    await verifySignature(MESSAGE, CURRENT_VECTOR, { address: other });
    assert.unreachable('wrong address accepted');
  } catch (err) {
    assert.instance(err, SignerMismatchError);
    const e = err as SignerMismatchError;
    assert.is(HTTP_STATUS[e.kind], 400);
    assert.is(e.claimed, other);
    assert.is(e.recovered, SIGNER);
    assert.ok(e.message.includes(other) && e.message.includes(SIGNER));
  }
});

test('a signature over a different message (tampered nonce) does not match its signer', async () => {
  const tampered = MESSAGE.replace('abababab', 'cdcdcdcd');
  try {
    await verifySignature(tampered, CURRENT_VECTOR, { address: SIGNER });
    assert.unreachable('tampered message accepted');
  } catch (err) {
    assert.instance(err, SignerMismatchError);
  }
});

test('when the predicate knows none of the signers, the refusal is a 403 listing every candidate', async () => {
  try {
    await verifySignature(MESSAGE, CURRENT_VECTOR, { isCandidate: () => false });
    assert.unreachable('unknown signer accepted');
  } catch (err) {
    assert.instance(err, UnknownSignerError);
    const e = err as UnknownSignerError;
    assert.is(HTTP_STATUS[e.kind], 403);
    assert.is(e.recovered, SIGNER);
    assert.is(e.candidates.length, 7, 'six text forms and the typed-data form of the challenge');
    assert.is(new Set(e.candidates).size, 7);
    assert.match(e.message, /not an active orchestrator/);
  }
});

test('an invalid claimed address and a missing message are refused before any recovery', async () => {
  try {
    await verifySignature(MESSAGE, CURRENT_VECTOR, { address: '0x1234' });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, InvalidAddressError);
  }
  for (const message of ['', undefined as unknown as string, 'x'.repeat(5000)]) {
    try {
      await verifySignature(message, CURRENT_VECTOR);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, InvalidSignatureError);
      assert.is((err as InvalidSignatureError).problem, 'bad_message');
    }
  }
});

test.run();
