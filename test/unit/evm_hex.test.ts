// Hex readers: the canonical forms that validation and cache keys share.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blockNumber, data, fixedHex, quantity } from '../../gateway/src/evm/hex.ts';

test('quantity: leading zeros off, lower case, zero kept; anything else is not a quantity', () => {
  const cases: Array<[unknown, string | undefined]> = [
    ['0x1', '0x1'],
    ['0x0001', '0x1'],
    ['0x0', '0x0'],
    ['0x0000', '0x0'],
    ['0xABCdef', '0xabcdef'],
    ['0x00Ff', '0xff'],
    [`0x${'f'.repeat(64)}`, `0x${'f'.repeat(64)}`],
    [`0x${'0'.repeat(63)}1`, '0x1'],
    [`0x1${'0'.repeat(64)}`, undefined], // over 256 bits
    ['0x', undefined],
    ['1', undefined],
    ['0X1', undefined],
    ['0xg', undefined],
    ['0x 1', undefined],
    [1, undefined],
    [null, undefined],
  ];
  for (const [input, want] of cases) assert.is(quantity(input), want, JSON.stringify(input));
  // The same as the BigInt reading for every value it accepts.
  for (let i = 0; i < 2000; i++) {
    const digits = Array.from({ length: 1 + (i % 64) }, (_, j) => '0123456789abcdefABCDEF'[(i * 7 + j * 13) % 22]).join('');
    assert.is(quantity(`0x${digits}`), `0x${BigInt(`0x${digits}`).toString(16)}`, digits);
  }
});

test('blockNumber, fixedHex and data', () => {
  assert.is(blockNumber('0x10'), 16);
  assert.is(blockNumber(`0x${'f'.repeat(16)}`), undefined, 'past a safe integer');
  assert.is(fixedHex(`0x${'AB'.repeat(20)}`, 20), `0x${'ab'.repeat(20)}`);
  assert.is(fixedHex('0xab', 20), undefined);
  assert.is(data('0x'), '0x');
  assert.is(data('0x0A'), '0x0a');
  assert.is(data('0xa'), undefined, 'odd length');
});

test.run();
