// Which node answers to a transaction send mean what (upstream/send.ts): one case per answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sendAnswer, transactionHash, type SendAnswer } from '../../gateway/src/upstream/send.ts';
import type { AttemptResult } from '../../gateway/src/upstream/classify.ts';

const err = (code: number, message: string): AttemptResult => ({ ok: true, outcome: { kind: 'error', error: { code, message } } });

const CASES: Array<[string, AttemptResult, SendAnswer]> = [
  ['a hash', { ok: true, outcome: { kind: 'result', raw: '"0xab"', value: '0xab' } }, 'accepted'],
  ['already known', err(-32000, 'already known'), 'known'],
  ['known transaction', err(-32000, 'known transaction: 0x12'), 'known'],
  ['AlreadyKnown', err(-32010, 'AlreadyKnown'), 'known'],
  ['transaction already imported', err(-32000, 'Transaction already imported'), 'known'],
  ['already in the tx pool', err(-32000, 'transaction already in the tx pool'), 'known'],
  ['nonce too low', err(-32000, 'nonce too low: next nonce 5, tx nonce 4'), 'nonce_too_low'],
  ['nonce has already been used', err(-32003, 'Nonce has already been used'), 'nonce_too_low'],
  ['OldNonce', err(-32010, 'OldNonce'), 'nonce_too_low'],
  ['insufficient funds', err(-32000, 'insufficient funds for gas * price + value'), 'refused'],
  ['replacement underpriced', err(-32000, 'replacement transaction underpriced'), 'refused'],
  ['invalid sender', err(-32000, 'invalid sender'), 'refused'],
  ['rate limited', err(-32005, 'limit exceeded'), 'unavailable'],
  ['method not found', err(-32601, 'the method eth_sendRawTransaction does not exist'), 'unavailable'],
  ['a timeout after the bytes left', { ok: false, failure: 'timeout', reached: true, detail: 't' }, 'ambiguous'],
  ['a reset after the bytes left', { ok: false, failure: 'transport', reached: true, detail: 't' }, 'ambiguous'],
  ['HTTP 502 (the bytes arrived somewhere)', { ok: false, failure: 'http_5xx', reached: true, detail: 't' }, 'ambiguous'],
  ['HTTP 429 (a rate limiter refused it before the node took it)', { ok: false, failure: 'http_429', reached: true, detail: 'HTTP 429', httpStatus: 429 }, 'unavailable'],
  ['connection refused', { ok: false, failure: 'connect', reached: false, detail: 't' }, 'unsent'],
];
for (const [what, result, answer] of CASES) {
  test(`${what} -> ${answer}`, () => assert.is(sendAnswer(result), answer));
}

test('the hash of signed bytes, and none for what is not hex bytes', () => {
  assert.is(transactionHash('0x'), undefined);
  assert.is(transactionHash('0xabc'), undefined);
  assert.is(transactionHash(12), undefined);
  assert.match(transactionHash('0x02f8')!, /^0x[0-9a-f]{64}$/);
});

test.run();
