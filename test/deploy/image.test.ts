// The container image runs compiled JavaScript (docker does not run here): the build stage's `npm run build`
// is run, its output laid out as the final stage's COPY lines lay it out, and the final stage's CMD started in
// that layout as a gateway on a PostgreSQL schema of its own. Then the admin command, compiled the same way.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../helpers/gatewayProcess.ts';
import { waitFor } from '../helpers/gateway.ts';
import { testSchema } from '../helpers/schema.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'compose/gateway.Dockerfile'), 'utf8');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const work = mkdtempSync(join(tmpdir(), 'gw-image-'));
const built = join(work, 'build');
const app = join(work, 'app');

test.after(() => rmSync(work, { recursive: true, force: true }));

test('the build stage compiles the gateway; the final stage runs node on the compiled entry point as a non-root user', () => {
  assert.match(dockerfile, /^RUN npm run build$/m);
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', built], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  // The final stage: COPY --from=build /app/dist/X ./X and COPY <context path> ./<path>.
  for (const [, from, src, dest] of finalStage.matchAll(/^COPY (--from=\S+ )?(\S+(?: \S+)*) (\S+)$/gm)) {
    for (const s of (src as string).split(' ')) {
      const source = from ? join(built, (s as string).replace(/^\/app\/dist\//, '')) : join(root, s as string);
      assert.ok(existsSync(source), `COPY ${s}`);
      const target = (src as string).includes(' ') || dest!.endsWith('/') ? join(app, dest as string, s as string) : join(app, dest as string);
      cpSync(source, target, { recursive: true });
    }
  }
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules')); // npm ci --omit=dev in the image
  assert.match(finalStage, /^USER 1000:1000$/m);
  assert.not.match(finalStage, /tsx/, 'no TypeScript at run time');
  assert.ok(existsSync(join(app, 'gateway/src/main.js')) && !existsSync(join(app, 'gateway/src/main.ts')));
});

test("the image's CMD serves: /healthz, /status with the package's version, and a SIGTERM drains to exit 0", async () => {
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(finalStage)?.[1] ?? '[]') as string[];
  assert.is(cmd[0], 'node');
  const schema = testSchema('image');
  await schema.create();
  const port = await freePort();
  const child = spawn(process.execPath, cmd.slice(1), {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: '0',
      DATABASE_URL: schema.url,
      L2_UPSTREAMS: 'l2=http://127.0.0.1:9',
      L1_UPSTREAMS: 'l1=http://127.0.0.1:9',
      ORCHESTRATOR_SYNC_ENABLED: 'false',
      DRAIN_GRACE_MS: '0',
    },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, 30_000, `the compiled gateway to listen: ${out}`);
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { version: string; database: string };
    assert.is(status.version, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    assert.is(status.database, 'postgres');
    const migrated = await schema.admin.one('SELECT count(*)::int AS n FROM $1:name.schema_migrations', [schema.name]);
    assert.ok(migrated.n >= 3, 'db/migrations found relative to the compiled code');
    child.kill('SIGTERM');
    assert.is(await exited, 0, out);
  } finally {
    child.kill('SIGKILL');
    await schema.drop();
  }
});

test('the compiled admin command runs', () => {
  const r = spawnSync(process.execPath, ['gateway/src/admin.js', 'help'], { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /key create/);
});

test.run();
