// The gateway as an operator runs it: `gateway/src/main.ts` in its own process, on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import type { Database } from '../../gateway/src/store/db.ts';
import { startAnvil, type Anvil, type AnvilOptions } from './anvil.ts';
import { startFakeNode, type FakeNode } from './fakeNode.ts';
import { waitFor } from './gateway.ts';
import { testSchema } from './schema.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  /** http://127.0.0.1:PORT */
  base: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed so far (the last 200 000 characters). */
  output(): string;
  /** SIGTERM, SIGKILL after 10 s; resolves to the exit code (null when killed). */
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Starts the gateway with exactly `env` plus HOST and PORT (`port`, or a free one), and waits until /healthz answers. */
export async function startGatewayProcess(env: NodeJS.ProcessEnv, timeoutMs = 60_000, port?: number, compiled = false): Promise<GatewayProcess> {
  port ??= await freePort();
  // The TypeScript sources under tsx, or the build (`npm run build`) as npm start runs it.
  const entry = compiled ? ['dist/gateway/src/main.js'] : ['--import', 'tsx', 'gateway/src/main.ts'];
  const child = spawn(process.execPath, entry, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A short drain grace unless the test sets one: every stop() is a SIGTERM.
    env: { DRAIN_GRACE_MS: '200', ...env, HOST: '127.0.0.1', PORT: String(port) },
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-200_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const gateway: GatewayProcess = {
    base,
    port,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      return exited;
    },
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}: ${out.slice(-2000)}`);
        return (await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true;
      },
      timeoutMs,
      'the gateway to listen',
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return gateway;
}

export interface ServedGateway {
  gw: GatewayProcess;
  /** A member's API key (and its row id), created before the gateway started. */
  key: string;
  keyId: string;
  /** The Arbitrum (42161) and Ethereum (1) nodes. */
  l2: Anvil;
  l1: Anvil;
  /** A counting fake node in front of l2, when asked for: the gateway's only l2 node. */
  front?: FakeNode;
  /** The gateway's own schema, open for the test's queries. */
  database: Database;
  /** Stops the gateway (SIGTERM), the nodes and the front, and drops the schema. */
  stop(): Promise<void>;
}

/**
 * A gateway process as operators run it, with everything it needs on loopback: Anvil nodes for both networks,
 * a PostgreSQL schema of its own with one member key, and no orchestrator sync. `env` is added to (and wins over)
 * those settings.
 */
export async function startServedGateway(o: {
  schema: string;
  env?: NodeJS.ProcessEnv;
  l2?: AnvilOptions;
  front?: boolean;
  /** Run the build (dist/) instead of the sources. */
  compiled?: boolean;
}): Promise<ServedGateway> {
  const [l2, l1] = await Promise.all([startAnvil({ chainId: 42161, ...o.l2 }), startAnvil({ chainId: 1 })]);
  const front = o.front ? await startFakeNode(l2.url) : undefined;
  const schema = testSchema(o.schema);
  const database = await schema.open();
  const { key, id } = await createMemberKey(database, { address: `0x${'5e'.repeat(20)}`, label: o.schema });
  const gw = await startGatewayProcess({
    ...process.env,
    DATABASE_URL: schema.url,
    L2_UPSTREAMS: `l2node=${front?.url ?? l2.url}`,
    L1_UPSTREAMS: `l1node=${l1.url}`,
    METRICS_PORT: '0',
    ORCHESTRATOR_SYNC_ENABLED: 'false',
    ...o.env,
  }, 60_000, undefined, o.compiled);
  return {
    gw,
    key,
    keyId: id,
    l2,
    l1,
    front,
    database,
    async stop() {
      await gw.stop();
      await front?.close();
      await Promise.all([l2.kill(), l1.kill()]);
      await database.close();
      await schema.drop();
    },
  };
}
