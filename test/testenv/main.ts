// npm run testenv: the whole system on one machine, without Docker (compose/test/ is the Docker equivalent).
// Two Anvil nodes per network, the gateway on the embedded database with a static orchestrator list and a ready
// key, Prometheus and Alertmanager from the machine (Debian packages) with the project's rules on short timings,
// and a loopback webhook that prints every notification. Commands on stdin: kill <node>, start <node>, status,
// help, quit. Ctrl-C (or quit) stops everything it started.
//
//   npm run testenv                    # the gateway on :8080
//   npm run testenv -- --port 18080    # elsewhere (--port 0: any free port)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { createMemberKey } from '../../gateway/src/membership/keys.ts';
import { openDatabase } from '../../gateway/src/store/db.ts';
import { startAnvil, type Anvil, type AnvilOptions } from '../helpers/anvil.ts';
import { binaries, renderAlertmanager, shortenTimings, startAlertmanager, startPrometheus, writePrometheusConfig, type Daemon } from '../integration/alerts_support.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Anvil's first two well-known accounts play the active set (as in compose/test/test.env). */
const ORCHESTRATORS = ['0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', '0x70997970c51812dc3a010c7d01b50e0e17dc79c8'];
/** Alerts' `for` divided by this (at least 5 s): a node down alerts in seconds, not minutes. */
const FOR_SCALE = 10;

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '8080' } } });
const work = mkdtempSync(join(tmpdir(), 'rpc-testenv-'));
const say = (line: string) => process.stdout.write(`${line}\n`);

const nodes = new Map<string, { anvil: Anvil; network: 'l2' | 'l1' }>();
let gateway: ChildProcess | undefined;
const daemons: Daemon[] = [];
let receiverClose: (() => Promise<void>) | undefined;
let stopping: Promise<void> | undefined;

async function startNodes(): Promise<void> {
  const l2: AnvilOptions = { chainId: 42161, extraArgs: ['--block-time', '0.25'] };
  const l1: AnvilOptions = { chainId: 1, blockTime: 2, slotsInAnEpoch: 4 };
  const specs: Array<[string, 'l2' | 'l1', AnvilOptions]> = [
    ['l2-a', 'l2', l2],
    ['l2-b', 'l2', l2],
    ['l1-a', 'l1', l1],
    ['l1-b', 'l1', l1],
  ];
  await Promise.all(specs.map(async ([name, network, options]) => nodes.set(name, { anvil: await startAnvil(options), network })));
}

const upstreams = (network: 'l2' | 'l1') =>
  [...nodes].filter(([, n]) => n.network === network).map(([name, n]) => `${name}=${n.anvil.url}`).sort().join(',');

async function createKey(dataDir: string): Promise<string> {
  const database = await openDatabase({ dataDir }, { migrate: true });
  try {
    return (await createMemberKey(database, { address: ORCHESTRATORS[0] as string, label: 'testenv' })).key;
  } finally {
    await database.close();
  }
}

/** Starts the gateway (port 0: any free port) and resolves to where it listens and serves its metrics. */
async function startGateway(port: number, dataDir: string): Promise<{ base: string; metricsPort: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      ...(port ? { PUBLIC_URL: `http://127.0.0.1:${port}` } : {}),
      METRICS_HOST: '127.0.0.1',
      // Chosen by the system and read back from the start-up line: no race with another port picked meanwhile.
      METRICS_PORT: '0',
      // The embedded database in the throwaway directory, whatever DATABASE_URL the shell has (the key is there).
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      L2_UPSTREAMS: upstreams('l2'),
      L1_UPSTREAMS: upstreams('l1'),
      L2_LAG_THRESHOLD: '40',
      HEAD_POLL_MS: '500',
      ORCHESTRATOR_SOURCE: `static:${ORCHESTRATORS.join(',')}`,
      DRAIN_GRACE_MS: '0',
      LOG_LEVEL: 'info',
    },
  });
  gateway = child;
  // The start-up line says where it listens; warnings (a node leaving rotation...) are shown, shortened.
  let listening: ((where: { base: string; metricsPort: number }) => void) | undefined;
  const started = new Promise<{ base: string; metricsPort: number }>((resolve) => (listening = resolve));
  const relay = (d: Buffer) => {
    for (const line of d.toString().split('\n').filter(Boolean)) {
      try {
        const j = JSON.parse(line) as Record<string, unknown>;
        if (typeof j.msg === 'string' && j.msg.startsWith('gateway listening')) listening?.({ base: String(j.url), metricsPort: Number(j.metricsPort) });
        if (Number(j.level) >= 40) say(`[gateway] ${j.msg}${j.node ? ` ${j.network}/${j.node}` : ''}${j.detail ? `: ${j.detail}` : ''}`);
      } catch {
        say(`[gateway] ${line}`);
      }
    }
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      say(`[gateway] exited (${code ?? signal}); stopping the test environment`);
      void stop(1);
    }
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', () => reject(new Error('the gateway exited while starting'))));
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the gateway did not start in 60 s')), 60_000).unref());
  return Promise.race([started, exited, timeout]);
}

/** Prints each Alertmanager notification as it arrives. */
function startReceiver(): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
      try {
        const n = JSON.parse(body) as { status: string; alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }> };
        for (const a of n.alerts) {
          const where = [a.labels.network, a.labels.node].filter(Boolean).join('/');
          say(`[alert] ${a.status.toUpperCase()} ${a.labels.alertname}${where ? ` (${where})` : ''}: ${a.annotations.summary ?? ''}`);
        }
      } catch {
        say(`[alert] ${body.slice(0, 300)}`);
      }
    });
  });
  receiverClose = () => new Promise((r) => server.close(() => r()));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
}

function writeRules(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const seconds = (d: string) => Number(/^(\d+)/.exec(d)?.[1]) * ({ s: 1, m: 60, h: 3600 }[d.slice(-1)] ?? 1);
  for (const file of readdirSync(join(root, 'alerts/rules')).filter((f) => f.endsWith('.yml'))) {
    const doc = parse(readFileSync(join(root, 'alerts/rules', file), 'utf8')) as { groups: Array<{ rules: Array<{ for?: string }> }> };
    for (const rule of doc.groups.flatMap((g) => g.rules)) if (rule.for) rule.for = `${Math.max(5, Math.round(seconds(rule.for) / FOR_SCALE))}s`;
    writeFileSync(join(dir, file), stringify(doc));
  }
}

/** Prometheus and Alertmanager, when the machine has them; the URLs to print. */
async function startMonitoring(metricsPort: number): Promise<string[]> {
  try {
    binaries.prometheus();
    binaries.alertmanager();
  } catch (err) {
    return [`Prometheus/Alertmanager: not started (${(err as Error).message})`];
  }
  const webhook = await startReceiver();
  const amDir = join(work, 'alertmanager');
  mkdirSync(amDir);
  const rendered = await renderAlertmanager(amDir, { ALERT_WEBHOOK_URL: `${webhook}/alerts` });
  if (rendered.code !== 0) throw new Error(`alertmanager config: ${rendered.stderr}`);
  shortenTimings(join(amDir, 'alertmanager.yml'));
  const am = await startAlertmanager(join(amDir, 'alertmanager.yml'));
  daemons.push(am);
  const promDir = join(work, 'prometheus');
  writeRules(join(promDir, 'rules'));
  const prom = await startPrometheus(writePrometheusConfig(promDir, { intervalS: 2, alertmanagerUrl: am.url, metricsPort }));
  daemons.push(prom);
  return [`Prometheus:    ${prom.url}/alerts`, `Alertmanager:  ${am.url}`, `Webhook:       ${webhook}/alerts (notifications are printed here as [alert] lines)`];
}

async function command(line: string, base: string): Promise<void> {
  const [verb, name] = line.trim().split(/\s+/);
  const node = name ? nodes.get(name) : undefined;
  if (verb === 'kill' && node) {
    await node.anvil.kill();
    say(`killed ${name}: watch ${base}/status (and the alert, in about ${60 / FOR_SCALE + 10} s)`);
  } else if (verb === 'start' && node) {
    await node.anvil.restart();
    say(`started ${name} again (a fresh chain on the same port)`);
  } else if (verb === 'status') {
    const s = (await (await fetch(`${base}/status`)).json()) as { networks: Record<string, { healthyNodes: number; head: number | null; nodes: Array<{ name: string; healthy: boolean; lastError?: string }> }> };
    for (const [network, n] of Object.entries(s.networks)) {
      say(`${network}: head ${n.head}, ${n.healthyNodes} healthy: ${n.nodes.map((x) => `${x.name} ${x.healthy ? 'up' : `down (${x.lastError ?? ''})`}`).join(', ')}`);
    }
  } else if (verb === 'quit' || verb === 'exit') {
    await stop(0);
  } else if (verb) {
    say(`commands: kill <node>, start <node>, status, quit   (nodes: ${[...nodes.keys()].join(', ')})`);
  }
}

async function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    say('stopping...');
    if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
      const exited = new Promise<void>((r) => gateway?.once('exit', () => r()));
      gateway.kill('SIGINT'); // drains without the grace
      const force = setTimeout(() => gateway?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    await Promise.all([...daemons.map((d) => d.stop()), ...[...nodes.values()].map((n) => n.anvil.kill()), receiverClose?.()]);
    rmSync(work, { recursive: true, force: true });
    say('stopped: nothing left running');
    process.exit(code);
  })();
  return stopping;
}

/** Waits until the printed key gets an answer (the gateway's pools and active set are up), at most 20 s. */
async function keyAnswers(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
        signal: AbortSignal.timeout(5000),
      });
      last = await res.text();
      if (res.ok && last.includes('"result"')) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  say(`[testenv] the member URL does not answer yet (last: ${last.replace(/\/api\/[^/]+\//g, '/api/<key>/').slice(0, 200)})`);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const dataDir = join(work, 'data');
  await startNodes();
  const key = await createKey(dataDir);
  const { base, metricsPort } = await startGateway(Number(args.port), dataDir);
  const monitoring = await startMonitoring(metricsPort);
  await keyAnswers(`${base}/api/${key}/l2`);
  say('');
  say('The test environment is up (everything on 127.0.0.1; throwaway data, removed on exit):');
  say(`  Member l2:     ${base}/api/${key}/l2     (Arbitrum One stand-ins l2-a, l2-b: chain id 42161, a block every 250 ms)`);
  say(`  Member l1:     ${base}/api/${key}/l1     (Ethereum stand-ins l1-a, l1-b: chain id 1)`);
  say(`  API key:       ${key}`);
  say(`  Portal:        ${base}/   (active set: ${ORCHESTRATORS.join(', ')}, Anvil's first two accounts)`);
  say(`  Status:        ${base}/status`);
  say(`  Metrics:       http://127.0.0.1:${metricsPort}/metrics`);
  for (const line of monitoring) say(`  ${line}`);
  say('');
  say('Type "kill l2-a" to stop a node (failover in /status, then GatewayNodeDown arrives), "start l2-a" to bring');
  say('it back, "status" for the pool, Ctrl-C or "quit" to stop everything.');
  say('ready');
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => void command(line, base).catch((err: unknown) => say(`error: ${(err as Error).message}`)));
}

main().catch(async (err: unknown) => {
  say(`testenv failed: ${(err as Error).message}`);
  await stop(1);
});
