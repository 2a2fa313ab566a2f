// Shared by the portal_* tests: the real gateway (Anvil nodes, PostgreSQL in a schema of the test file's own)
// with a static active set, on a port known in advance so PUBLIC_URL (the challenge domain) matches it.
import { createServer } from 'node:net';
import { privateKeyToAccount } from 'viem/accounts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';
import { testSchema } from '../helpers/schema.ts';

export const orchestrator = privateKeyToAccount(TEST_PRIVATE_KEYS[0]);
export const stranger = privateKeyToAccount(TEST_PRIVATE_KEYS[1]);

export interface ChallengeJson {
  message: string;
  nonce: string;
  issuedAt: string;
  expiresAt: string;
  typedData: { domain: unknown; message: Record<string, string> };
}

export interface AuthGateway {
  tg: TestGateway;
  base: string;
  /** POST JSON to a path of the gateway, as an API client (no Origin). */
  postJson(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** POST a form, as the portal's own pages do (with our Origin). */
  postForm(path: string, fields: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** One JSON-RPC call with an API key, as go-livepeer makes it: the HTTP status and the answer. */
  useKey(key: string, options?: { network?: 'l1' | 'l2'; method?: string }): Promise<{ status: number; result?: unknown; error?: { message: string } }>;
  challenge(): Promise<ChallengeJson>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface AuthGatewayOptions {
  /** Extra environment for the gateway's config. */
  env?: Record<string, string>;
  /** Default: the test orchestrator. */
  activeSet?: string[];
  /** 'https' as behind a TLS-terminating proxy: PUBLIC_URL is https, the gateway itself still speaks http here. */
  publicScheme?: 'http' | 'https';
  /** The gateway's clock, for tests that move time on instead of waiting. */
  clock?: () => number;
}

/** A gateway whose active set is synced (to the test orchestrator by default) before this resolves. */
export async function startAuthGateway(schemaTag: string, options: AuthGatewayOptions = {}): Promise<AuthGateway> {
  const activeSet = options.activeSet ?? [orchestrator.address];
  const schema = testSchema(`test_${schemaTag}`);
  await schema.create(); // empty: the gateway migrates it
  // PUBLIC_URL must name the gateway's port, so the port is chosen first; another test may take it before the
  // gateway binds it, so a taken port is tried again with another.
  let tg: TestGateway | undefined;
  let port = 0;
  try {
    for (let tries = 1; !tg; tries++) {
      port = await freePort();
      tg = await startTestGateway({
        l2Nodes: 1,
        l1Nodes: 1,
        ...(options.clock ? { clock: options.clock } : {}),
        env: {
          PORT: String(port),
          PUBLIC_URL: `${options.publicScheme ?? 'http'}://127.0.0.1:${port}`,
          DATABASE_URL: schema.url,
          ORCHESTRATOR_SOURCE: `static:${activeSet.join(',')}`,
          OPERATOR_NAME: 'Test Operator',
          OPERATOR_CONTACT: 'ops@example.org',
          USAGE_FLUSH_INTERVAL_MS: '200',
          KEY_CACHE_TTL_MS: '60000',
          ...options.env,
        },
      }).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && tries < 3) return undefined;
        throw err;
      });
    }
  } catch (err) {
    await schema.drop();
    throw err;
  }
  await tg.gw.sync?.syncNow();
  const base = `http://127.0.0.1:${port}`;
  const timeout = () => AbortSignal.timeout(20_000);
  const harness: AuthGateway = {
    tg,
    base,
    postJson: (path, body, headers = {}) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        redirect: 'manual',
        signal: timeout(),
      }),
    postForm: (path, fields, headers = {}) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, accept: 'text/html', ...headers },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
        signal: timeout(),
      }),
    get: (path, headers = {}) => fetch(`${base}${path}`, { headers, redirect: 'manual', signal: timeout() }),
    async useKey(key, { network = 'l2', method = 'eth_blockNumber' } = {}) {
      const res = await fetch(`${base}/api/${key}/${network}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
        signal: timeout(),
      });
      return { status: res.status, ...((await res.json()) as { result?: unknown; error?: { message: string } }) };
    },
    async challenge() {
      const res = await harness.postJson('/auth/challenge', {});
      if (res.status !== 200) throw new Error(`challenge: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as ChallengeJson;
    },
    async stop() {
      await tg.stop();
      await schema.drop();
    },
  };
  return harness;
}

/** The session cookie (name=value) a sign-in response set. */
export function cookieOf(res: Response): string {
  const header = res.headers.get('set-cookie') ?? '';
  return header.split(';')[0] ?? '';
}
