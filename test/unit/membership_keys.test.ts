// The pure parts of key management: how a revoke reference is read, and label checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateApiKey } from '../../gateway/src/access/apiKey.ts';
import { InvalidKeyReferenceError, InvalidLabelError } from '../../gateway/src/membership/errors.ts';
import { checkLabel, parseKeyReference } from '../../gateway/src/membership/keys.ts';

test('a whole key is looked up by its hash and never named in messages', () => {
  const { key, hash } = generateApiKey();
  const ref = parseKeyReference(key);
  assert.equal(ref.query, { hash });
  assert.not.ok(ref.shown.includes(key));
  assert.not.ok(ref.shown.includes(key.slice(0, 8)));
});

test('digits are an id, and also a prefix when 4 to 8 long', () => {
  assert.equal(parseKeyReference('42').query, { id: '42' });
  assert.equal(parseKeyReference('1234').query, { id: '1234', prefix: '1234' });
  assert.equal(parseKeyReference('123456789').query, { id: '123456789' });
});

test('4 to 8 base64url characters are a prefix', () => {
  assert.equal(parseKeyReference('aB-_').query, { prefix: 'aB-_' });
  assert.equal(parseKeyReference('aB-_xY12').query, { prefix: 'aB-_xY12' });
});

test('anything else is refused without echoing more than its start', () => {
  const { key } = generateApiKey();
  for (const ref of ['abc', 'a%bc', '', key.slice(0, 30), `${key}x`]) {
    try {
      parseKeyReference(ref);
      assert.unreachable(`accepted ${ref}`);
    } catch (err) {
      assert.instance(err, InvalidKeyReferenceError);
      const message = (err as Error).message;
      assert.match(message, /key id/);
      if (ref.length > 8) assert.not.ok(message.includes(ref.slice(0, 8)), message);
    }
  }
});

test('labels are trimmed, empty means none, and control characters or very long labels are refused', () => {
  assert.is(checkLabel('  node A '), 'node A');
  assert.is(checkLabel(''), null);
  assert.is(checkLabel(undefined), null);
  assert.is(checkLabel(null), null);
  assert.throws(() => checkLabel('a\nb'), (e: unknown) => e instanceof InvalidLabelError);
  assert.throws(() => checkLabel('x'.repeat(201)), (e: unknown) => e instanceof InvalidLabelError);
});

test.run();
