import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidAddressError, InvalidLabelError } from '../../gateway/src/membership/errors.ts';
import { ChallengeRejectedError } from '../../gateway/src/signin/challenge.ts';
import { InvalidSignatureError, SignerMismatchError, UnknownSignerError } from '../../gateway/src/signin/signature.ts';
import { SIGN_IN_OUTCOMES } from '../../gateway/src/signin/events.ts';
import { BodyTooLargeError } from '../../gateway/src/http/body.ts';
import { CsrfRejectedError, PortalUnavailableError, RateLimitedError, TooManyKeysError } from '../../gateway/src/portal/errors.ts';
import { NotEligibleError } from '../../gateway/src/signin/signIn.ts';
import { BadInputError } from '../../gateway/src/common/errors.ts';
import { signInFailure } from '../../gateway/src/portal/signInOutcome.ts';
import { InternalError } from '../../gateway/src/rpc/errors.ts';

const A = '0xAbCdEf0123456789aBcDeF0123456789ABCDEF01' as const;
const B = '0x1111111111111111111111111111111111111111' as const;

test('every sign-in error maps to its outcome, with the address it concerned', () => {
  const cases: Array<[unknown, string, string?]> = [
    [new NotEligibleError(A, 'not active.', 'ask.'), 'not_eligible', A.toLowerCase()],
    [new UnknownSignerError(A, [A]), 'not_eligible', A.toLowerCase()],
    [new SignerMismatchError(A, B), 'signer_mismatch', A.toLowerCase()],
    [new InvalidSignatureError('bad_hex', 'x'), 'bad_signature'],
    [new ChallengeRejectedError('used', 'used'), 'challenge_rejected'],
    [new RateLimitedError(5), 'rate_limited'],
    [new TooManyKeysError(10), 'too_many_keys'],
    [new CsrfRejectedError('other site'), 'cross_origin'],
    [new PortalUnavailableError(), 'unavailable'],
    [new BadInputError('x'), 'bad_input'],
    [new InvalidAddressError('x'), 'bad_input'],
    [new InvalidLabelError('x'), 'bad_input'],
    [new BodyTooLargeError(16384), 'bad_input'],
    [new InternalError(new Error('bug')), 'error'],
    [new TypeError('bug'), 'error'],
    ['a string', 'error'],
  ];
  for (const [err, outcome, address] of cases) {
    const got = signInFailure(err);
    assert.is(got.outcome, outcome, String((err as Error).name ?? err));
    assert.is(got.address, address);
  }
});

test('docs/METRICS.md lists every sign-in outcome on gateway_signin_attempts_total', () => {
  const doc = readFileSync(new URL('../../docs/METRICS.md', import.meta.url), 'utf8');
  const row = doc.split('\n').find((l) => l.startsWith('| `gateway_signin_attempts_total`'));
  assert.ok(row);
  for (const outcome of SIGN_IN_OUTCOMES) assert.ok(row.includes(`\`${outcome}\``), outcome);
});

test.run();
