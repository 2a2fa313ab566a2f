// The admin command's arguments (node:util parseArgs underneath): every mistake is a usage error (exit 2)
// that names what is wrong, found before any database is opened.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runAdmin } from '../../gateway/src/admin.ts';

// A database nobody listens on: reaching it would fail with exit 1, not the usage error's 2.
const ENV = { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none' };
const A = `0x${'ab'.repeat(20)}`;

async function admin(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(argv, ENV, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const MISTAKES: Array<[string[], RegExp]> = [
  [['key', 'create', '--address'], /--address <value>' argument missing/],
  [['member', 'grant', `--address=${A}`, '--label'], /--label <value>' argument missing/],
  [['key', 'list', '--json', '--json'], /--json is given twice/],
  [['key', 'create', '--address', A, '--address', A], /--address is given twice/],
  [['key', 'list', '--frobnicate'], /Unknown option '--frobnicate'/],
  [['key', 'list', '--address', A], /key list does not take --address/],
  [['key', 'revoke', 'abcd', 'efgh'], /key revoke takes exactly one argument/],
  [['key', 'list', 'extra'], /key list takes no argument "extra"/],
  [['member', 'revoke'], /member revoke needs --address/],
  [['nothing'], /unknown command "nothing"/],
];

for (const [argv, message] of MISTAKES) {
  test(`${argv.join(' ')}: usage error`, async () => {
    const r = await admin(...argv);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /npm run admin -- help/);
    assert.is(r.stdout, '');
  });
}

test('-h, --help and help print the usage and succeed', async () => {
  for (const argv of [['-h'], ['--help'], ['help'], ['key', 'list', '-h']]) {
    const r = await admin(...argv);
    assert.is(r.code, 0, argv.join(' '));
    assert.match(r.stdout, /^Usage: npm run admin -- <command>/);
  }
});

test('--name=value and --name value are the same option', async () => {
  // Both get past argument checks to the (absent) database: exit 1, not 2.
  for (const argv of [['key', 'create', `--address=${A}`], ['key', 'create', '--address', A]]) {
    const r = await admin(...argv);
    assert.is(r.code, 1, r.stderr);
  }
});

test.run();
