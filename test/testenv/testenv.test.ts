// Smoke test of `npm run testenv` (test/testenv/main.ts): it starts, prints a member URL whose key works
// (eth_chainId on /l2 is Arbitrum One's), keeps answering reads after "kill l2-a" typed on its stdin, and on
// Ctrl-C (SIGINT) stops everything it started: no process of its group is left.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/gateway.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Pids of live processes in a process group (Linux /proc), zombies excluded. */
function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function rpc(url: string, method: string): Promise<{ result?: string; error?: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as { result?: string };
}

test('testenv: a ready key, reads survive "kill l2-a", Ctrl-C leaves no process behind', async () => {
  // Any free port, chosen by the system when the gateway binds: nothing can take it in between.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/testenv/main.ts', '--port', '0'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // its own process group: every process it starts can be found (and cleaned up) by it
  });
  const pgid = child.pid as number;
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor(() => /^ready$/m.test(out), 120_000, () => `testenv to be ready: ${out.slice(-2000)}`);
    const l2 = /Member l2:\s+(\S+)/.exec(out)?.[1] as string;
    const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)\/api\/[^/]+\/l2$/.exec(l2)?.[1]);
    assert.ok(port > 0, `the member URL: ${out.slice(-2000)}`);
    for (const label of ['Member l1', 'Portal', 'Status', 'Prometheus', 'Alertmanager']) assert.match(out, new RegExp(`${label}:\\s+http://127\\.0\\.0\\.1:\\d+`), label);
    const first = await rpc(l2, 'eth_chainId');
    assert.is(first.result, '0xa4b1', `${JSON.stringify(first)}\n${out.slice(-2000)}`);
    assert.is((await rpc(l2.replace(/\/l2$/, '/l1'), 'eth_chainId')).result, '0x1');

    child.stdin.write('kill l2-a\n');
    await waitFor(() => out.includes('killed l2-a'), 20_000, 'the kill command');
    for (let i = 0; i < 20; i++) {
      const answer = await rpc(l2, 'eth_blockNumber');
      assert.ok(answer.result?.startsWith('0x'), `read ${i} after the kill: ${JSON.stringify(answer)}`);
    }
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { networks: { l2: { nodes: Array<{ name: string; healthy: boolean }> } } };
    assert.equal(status.networks.l2.nodes.map((n) => n.name).sort(), ['l2-a', 'l2-b']);

    assert.ok(groupMembers(pgid).length >= 6, `anvils, gateway, prometheus, alertmanager in the group: ${out.slice(-2000)}`);
    process.kill(pgid, 'SIGINT'); // the process itself, as Ctrl-C would reach it
    assert.is(await exited, 0, out.slice(-2000));
    await waitFor(() => groupMembers(pgid).length === 0, 10_000, () => `no process left in the group: ${groupMembers(pgid).join(', ')}`);
    assert.match(out, /stopped: nothing left running/);
  } finally {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // nothing left, as expected
    }
  }
});

test.run();
