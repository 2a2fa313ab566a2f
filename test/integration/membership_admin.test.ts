// The admin command's member grants, as subprocesses against the real PostgreSQL (a schema of its own):
// grant, list, revoke (keys stop unless the address is an active orchestrator), and their refusals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashApiKey } from '../../gateway/src/access/apiKey.ts';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { ApiKeyRepo } from '../../gateway/src/store/apiKeys.ts';
import type { Database } from '../../gateway/src/store/db.ts';
import { writeActiveSet } from '../../gateway/src/store/orchestrators.ts';
import { runAdmin, type AdminRun } from '../helpers/admin.ts';
import { testSchema } from '../helpers/schema.ts';

const schema = testSchema('test_membership_admin');

let database: Database;

const BROADCASTER = '0x787bc77F1700DCE0f8c1581c18A12d3153D1B150'; // checksummed on purpose
const ORCHESTRATOR = `0x${'0c'.repeat(20)}`;

function cli(...args: string[]): Promise<AdminRun> {
  return runAdmin({ ...process.env, DATABASE_URL: schema.url }, ...args);
}

const keyState = async (key: string) => {
  const r = await new ApiKeyRepo(database.db).findByHash(hashApiKey(key));
  return r && { revoked: r.revoked, memberActive: r.memberActive };
};

test.before(async () => {
  database = await schema.open();
});

test.after(async () => {
  await database.close();
  await schema.drop();
});

test('usage errors: help lists the member commands; a missing command, a missing address or a bad one are refused', async () => {
  const help = await cli('help');
  assert.is(help.code, 0);
  for (const s of ['member grant --address', 'member revoke --address', 'member list']) assert.ok(help.stdout.includes(s), s);
  const none = await cli('member');
  assert.is(none.code, 2);
  assert.match(none.stderr, /missing a member command: grant, revoke or list/);
  const noAddress = await cli('member', 'revoke');
  assert.is(noAddress.code, 2);
  assert.match(noAddress.stderr, /member revoke needs --address/);
  const bad = await cli('member', 'grant', '--address', '0x12', '--label', 'x');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /Invalid Ethereum address/);
  assert.is(await database.db.one('SELECT count(*)::int AS n FROM members', [], (r: { n: number }) => r.n), 0, 'nothing stored');
});

test('member grant makes an operator member whose keys work; member list shows it', async () => {
  const run = await cli('member', 'grant', '--address', BROADCASTER, '--label', 'broadcaster one');
  assert.is(run.code, 0, run.stderr);
  const address = BROADCASTER.toLowerCase();
  assert.match(run.stdout, new RegExp(`Granted membership to ${address} \\(broadcaster one\\)`));
  assert.equal(await database.db.one('SELECT source, label, active_until FROM members WHERE address = $1', [address]), {
    source: 'operator',
    label: 'broadcaster one',
    active_until: null,
  });
  const { key } = await createMemberKey(database, { address });
  assert.equal(await keyState(key), { revoked: false, memberActive: true });

  const list = await cli('member', 'list');
  assert.is(list.code, 0, list.stderr);
  const lines = list.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ADDRESS\s+SOURCE\s+LABEL\s+ACTIVE\s+IN SET\s+LAST SEEN IN SET\s+KEYS$/);
  assert.match(lines[1]!, new RegExp(`^${address}\\s+operator\\s+broadcaster one\\s+yes\\s+-\\s+-\\s+1$`));
  assert.not.ok(list.stdout.includes(key));
  const json = JSON.parse((await cli('member', 'list', '--json')).stdout) as Array<Record<string, unknown>>;
  assert.equal(json.map((m) => [m.address, m.source, m.active, m.keysActive]), [[address, 'operator', true, 1]]);
});

test('member revoke: keys stop unless the address is an active orchestrator; a second revoke and a stranger are told why', async () => {
  const address = BROADCASTER.toLowerCase();
  const { key } = await createMemberKey(database, { address }); // a second key, made while the grant holds
  const revoked = await cli('member', 'revoke', '--address', BROADCASTER);
  assert.is(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /its keys stop working/);
  assert.equal(await keyState(key), { revoked: false, memberActive: false });
  const again = await cli('member', 'revoke', `--address=${address}`);
  assert.is(again.code, 0);
  assert.match(again.stdout, /has no operator grant: it is no longer an active orchestrator/);
  const stranger = await cli('member', 'revoke', '--address', `0x${'99'.repeat(20)}`);
  assert.is(stranger.code, 1);
  assert.match(stranger.stderr, /is not a member/);

  // Granted and in the active set: the grant goes, the keys stay.
  await writeActiveSet(database.db, new Set([ORCHESTRATOR]), 60_000);
  assert.is((await cli('member', 'grant', '--address', ORCHESTRATOR)).code, 0);
  const own = await createMemberKey(database, { address: ORCHESTRATOR });
  const kept = await cli('member', 'revoke', '--address', ORCHESTRATOR);
  assert.is(kept.code, 0, kept.stderr);
  assert.match(kept.stdout, /its keys keep working: it is an active orchestrator/);
  assert.equal(await keyState(own.key), { revoked: false, memberActive: true });
  assert.equal(await database.db.one('SELECT source FROM members WHERE address = $1', [ORCHESTRATOR]), { source: 'orchestrator' });
});

test.run();
