// The embedded database shared by processes over DATA_DIR's unix socket: one owner, clients through
// the socket, stale files of a crashed owner taken over, and a client that takes over when the owner leaves.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, type Database } from '../../gateway/src/store/db.ts';
import { socketAnswers } from '../../gateway/src/store/embedded.ts';
import { openPglite } from '../../gateway/src/store/embeddedInit.ts';
import { readHolder, releaseLock, tryAcquireLock } from '../../gateway/src/store/embeddedLock.ts';
import { StoreError } from '../../gateway/src/store/errors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gw-embedded-'));
const children: ChildProcess[] = [];
const SOCKET = '.s.PGSQL.5432';
// One data directory for the tests that open PGlite: creating one costs seconds, reopening it does not.
const dataDir = join(tmp, 'data');

test.after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function node(code: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function deadPid(): Promise<number> {
  const child = node('');
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

test('the lock is taken once, refused while its holder lives, and released only by its holder', async () => {
  const dir = join(tmp, 'lock');
  mkdirSync(dir);
  const lock = join(dir, 'pglite.lock');
  assert.ok(tryAcquireLock(lock));
  assert.not.ok(tryAcquireLock(lock), 'held by this very process');
  assert.is(readHolder(lock)?.pid, process.pid);
  releaseLock(lock);
  assert.not.ok(existsSync(lock));

  const live = node('setTimeout(() => {}, 60_000)');
  writeFileSync(lock, `${live.pid} 1\n`);
  assert.not.ok(tryAcquireLock(lock), 'held by a live process');
  releaseLock(lock);
  assert.ok(existsSync(lock), "another process's lock is not ours to release");

  writeFileSync(lock, `${await deadPid()} 1\n`);
  assert.ok(tryAcquireLock(lock), 'a dead holder is taken over');
  assert.is(readHolder(lock)?.pid, process.pid);
  writeFileSync(lock, `${process.pid} 1\n`); // this pid, but an earlier process (a restarted container)
  assert.ok(tryAcquireLock(lock), 'a lock from an earlier process with our pid is stale');
  releaseLock(lock);
});

test('a new DATA_DIR is created out of process, and PGlite runs with the small shared_buffers', async () => {
  const fresh = join(tmp, 'fresh');
  const d = await openDatabase({ dataDir: fresh }, { migrate: true });
  try {
    // 16 MB instead of PostgreSQL's 128 MB: the buffers are touched inside the WebAssembly heap.
    assert.is(await d.db.one('SHOW shared_buffers', [], (r: { shared_buffers: string }) => r.shared_buffers), '16MB');
    assert.ok(existsSync(join(fresh, 'pglite', 'PG_VERSION')), 'initialised');
  } finally {
    await d.close();
  }
  // Reopened (no initdb this time), with the same settings.
  const again = await openDatabase({ dataDir: fresh }, { migrate: true });
  try {
    assert.is(await again.db.one('SHOW shared_buffers', [], (r: { shared_buffers: string }) => r.shared_buffers), '16MB');
  } finally {
    await again.close();
  }
});

test('a new DATA_DIR is a copy of the build\'s template data directory when there is one (no initdb)', async () => {
  const template = join(tmp, 'template');
  const made = await openPglite(template, join(tmp, 'no-template')); // no template for the template itself: initdb
  await made.exec('CREATE TABLE made_from_the_template (x int)');
  await made.close();
  const copy = await openPglite(join(tmp, 'copied'), template);
  try {
    const r = await copy.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'made_from_the_template'");
    assert.is(r.rows[0]?.n, 1, 'the copy has what the template had');
  } finally {
    await copy.close();
  }
});

test('a second opener of a DATA_DIR is served through the socket and sees the same data', async () => {
  const owner = await openDatabase({ dataDir }, { migrate: true });
  let client: Database | undefined;
  try {
    assert.is(statSync(join(dataDir, SOCKET)).mode & 0o777, 0o600, 'only this user may connect to the socket');
    await owner.db.none("INSERT INTO members (address, source) VALUES ($1, 'operator')", [`0x${'1'.repeat(40)}`]);
    client = await openDatabase({ dataDir }, { migrate: true });
    assert.is(client.kind, 'embedded');
    assert.is(await client.db.one('SELECT count(*)::int AS n FROM members', [], (r: { n: number }) => r.n), 1);
    // Transactions on the two connections stay apart: the client's rolled-back insert is not seen.
    await client.db
      .tx(async (t) => {
        await t.none("INSERT INTO members (address, source) VALUES ($1, 'operator')", [`0x${'2'.repeat(40)}`]);
        throw new Error('roll back');
      })
      .catch(() => {});
    assert.is(await owner.db.one('SELECT count(*)::int AS n FROM members', [], (r: { n: number }) => r.n), 1);
    assert.ok(await client.ping());
  } finally {
    await client?.close();
    await owner.close();
  }
  assert.not.ok(existsSync(join(dataDir, SOCKET)), 'the owner removes its socket on close');
  assert.not.ok(existsSync(join(dataDir, 'pglite.lock')), 'and its lock');
});

test('a socket and lock left by a crashed owner are taken over', async () => {
  const socket = join(dataDir, SOCKET);
  // A process that listens on the socket path, then dies without cleaning up.
  const crashed = node(`require('net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`);
  await new Promise((r) => crashed.stdout!.once('data', r));
  crashed.kill('SIGKILL');
  await new Promise((r) => crashed.once('exit', r));
  assert.ok(existsSync(socket), 'the stale socket file is there');
  assert.not.ok(await socketAnswers(socket));
  writeFileSync(join(dataDir, 'pglite.lock'), `${crashed.pid} 1\n`);

  const d = await openDatabase({ dataDir }, { migrate: true });
  try {
    assert.ok(await d.ping());
    assert.ok(await socketAnswers(socket), 'served again');
    assert.is(readHolder(join(dataDir, 'pglite.lock'))?.pid, process.pid);
  } finally {
    await d.close();
  }
});

test('a live process holding the lock without answering makes the open fail, naming the lock file', async () => {
  const heldDir = join(tmp, 'held');
  mkdirSync(heldDir);
  const live = node('setTimeout(() => {}, 60_000)');
  writeFileSync(join(heldDir, 'pglite.lock'), `${live.pid} 1\n`);
  try {
    await openDatabase({ dataDir: heldDir }, { embeddedWaitMs: 300 });
    assert.unreachable('opened');
  } catch (err) {
    assert.instance(err, StoreError);
    assert.match((err as Error).message, /pglite\.lock/);
    assert.match((err as Error).message, new RegExp(`process ${live.pid}`));
  }
});

test('a DATA_DIR too long for a unix socket is refused with a clear message', async () => {
  try {
    await openDatabase({ dataDir: join(tmp, 'x'.repeat(120)) });
    assert.unreachable('opened');
  } catch (err) {
    assert.instance(err, StoreError);
    assert.match((err as Error).message, /too long for a unix socket/);
  }
});

test('when the owner closes, a client takes the database over and keeps working', async () => {
  const owner = await openDatabase({ dataDir }, { migrate: true });
  const client = await openDatabase({ dataDir });
  try {
    await client.db.none("INSERT INTO members (address, source) VALUES ($1, 'operator')", [`0x${'3'.repeat(40)}`]);
    await owner.close();
    await until('the client to serve the database itself', () => client.ping(), 20_000);
    assert.is(await client.db.one('SELECT count(*)::int AS n FROM members WHERE address = $1', [`0x${'3'.repeat(40)}`], (r: { n: number }) => r.n), 1);
    assert.is(readHolder(join(dataDir, 'pglite.lock'))?.pid, process.pid);
  } finally {
    await client.close();
    await owner.close();
  }
  assert.not.ok(existsSync(join(dataDir, SOCKET)));
});

test.run();
