// The admin command end to end on the embedded database: alone (it opens the PGlite itself),
// beside a running process that holds the PGlite (it goes through that process's socket), and
// after that process crashed (it takes the stale socket and lock over).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isWellFormedApiKey } from '../../gateway/src/access/apiKey.ts';
import { readHolder } from '../../gateway/src/store/embeddedLock.ts';
import { runAdmin, type AdminRun } from '../helpers/admin.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'gw-admin-embedded-'));
const dataDir = join(tmp, 'data');
const socket = join(dataDir, '.s.PGSQL.5432');
const lock = join(dataDir, 'pglite.lock');
const ADDRESS = '0x00000000000000000000000000000000000000a1';
const children: ChildProcess[] = [];

// Holds the embedded database the way the gateway does: openDatabase, then stays up.
const holderScript = join(tmp, 'holder.mts');
writeFileSync(
  holderScript,
  `import { openDatabase } from ${JSON.stringify(pathToFileURL(join(root, 'gateway/src/store/db.ts')).href)};
const database = await openDatabase({ dataDir: process.argv[2] }, { migrate: true });
process.stdout.write('ready\\n');
process.on('SIGTERM', () => void database.close().then(() => process.exit(0)));
setInterval(() => {}, 60_000);
`,
);

test.after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PUBLIC_URL: 'http://gw.test' };
  delete e.DATABASE_URL; // CI sets it; this file is about the embedded database
  return e;
}

function admin(...args: string[]): Promise<AdminRun> {
  return runAdmin(env(), ...args);
}

async function startHolder(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, dataDir], { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('holder did not start')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

async function listedPrefixes(): Promise<Array<{ prefix: string; revokedAt: string | null }>> {
  const run = await admin('key', 'list', '--json');
  assert.is(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Array<{ prefix: string; revokedAt: string | null }>;
}

const keys: string[] = [];

test('alone, the admin command opens the embedded database itself and leaves nothing behind', async () => {
  const run = await admin('key', 'create', '--address', ADDRESS, '--label', 'first');
  assert.is(run.code, 0, run.stderr);
  assert.ok(isWellFormedApiKey(run.last));
  assert.ok(run.stdout.includes('http://gw.test/api/<API_KEY>/l2'));
  keys.push(run.last);
  assert.not.ok(existsSync(socket), 'socket removed on exit');
  assert.not.ok(existsSync(lock), 'lock removed on exit');
});

test('beside a process holding the database, it works through that process and leaves it the owner', async () => {
  const holder = await startHolder();
  assert.is(readHolder(lock)?.pid, holder.pid);
  const run = await admin('key', 'create', '--address', ADDRESS);
  assert.is(run.code, 0, run.stderr);
  keys.push(run.last);
  const revoke = await admin('key', 'revoke', keys[0]!.slice(0, 5));
  assert.is(revoke.code, 0, revoke.stderr);
  const listed = await listedPrefixes();
  assert.equal(listed.map((k) => k.prefix), keys.map((k) => k.slice(0, 8)));
  assert.ok(listed[0]!.revokedAt, 'the first key is revoked');
  assert.is(listed[1]!.revokedAt, null);
  assert.is(holder.exitCode, null, 'the holder still runs');
  assert.is(readHolder(lock)?.pid, holder.pid, 'and still owns the database');
  assert.ok(existsSync(socket));

  // The holder crashes: its socket and lock stay behind, and nothing written through it is lost.
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  assert.ok(existsSync(socket) && existsSync(lock), 'stale socket and lock are left');
  assert.equal((await listedPrefixes()).map((k) => k.prefix), keys.map((k) => k.slice(0, 8)));
  assert.not.ok(existsSync(socket), 'taken over, then cleaned up');
});

test.run();
