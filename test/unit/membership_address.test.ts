import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeAddress } from '../../gateway/src/membership/address.ts';
import { InvalidAddressError } from '../../gateway/src/membership/errors.ts';
import { GatewayError } from '../../gateway/src/common/errors.ts';

const CHECKSUMMED = '0x787bc77F1700DCE0f8c1581c18A12d3153D1B150';

function failure(input: string): InvalidAddressError {
  try {
    normalizeAddress(input);
  } catch (err) {
    assert.instance(err, InvalidAddressError);
    assert.instance(err, GatewayError);
    return err as InvalidAddressError;
  }
  throw new Error(`expected ${input} to be refused`);
}

test('a valid address is stored lower-case whatever its casing', () => {
  const lower = CHECKSUMMED.toLowerCase();
  assert.is(normalizeAddress(CHECKSUMMED), lower);
  assert.is(normalizeAddress(lower), lower);
  assert.is(normalizeAddress(`0x${lower.slice(2).toUpperCase()}`), lower);
  assert.is(normalizeAddress(`  ${lower}\n`), lower);
});

test('a mixed-case address with a wrong EIP-55 checksum is refused, naming the checksum', () => {
  const typo = `${CHECKSUMMED.slice(0, -1)}b`; // last B lower-cased
  assert.match(failure(typo).message, /checksum/);
});

test('malformed addresses are refused with a message saying what was expected', () => {
  for (const s of ['', '0x12', CHECKSUMMED.slice(2), `${CHECKSUMMED}00`, `0x${'g'.repeat(40)}`, `0X${'a'.repeat(40)}`]) {
    assert.match(failure(s).message, /expected 0x followed by 40 hex digits/);
  }
  assert.match(failure('0x12').message, /"0x12"/);
  assert.ok(failure('y'.repeat(500)).message.length < 200, 'long input is cut short in the message');
});

test.run();
