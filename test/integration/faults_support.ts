// Shared by the faults_* tests: a gateway whose l2 nodes are real Anvil nodes behind fake fronts (to inject a
// fault), with telemetry on, and what the member and the operator see.
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../helpers/gateway.ts';

export async function faultGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  return startTestGateway({ l1Nodes: 1, fronts: true, telemetry: true, ...opts });
}

/** A read that misses the cache (a fresh address each time), so it needs a node. */
export function freshRead(tg: TestGateway, tag: string, i: number) {
  const address = `0x${(tag + i.toString(16)).padStart(40, '0').slice(-40)}`;
  return tg.rpc('eth_getTransactionCount', [address, 'latest']);
}

/** `count` fresh reads one after the other; the ones that did not answer 0x0. */
export async function readsThatFailed(tg: TestGateway, tag: string, count: number): Promise<unknown[]> {
  const failed: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const r = await freshRead(tg, tag, i);
    if (r.result !== '0x0') failed.push(r);
  }
  return failed;
}

/** The value of one series in a Prometheus scrape, 0 when absent. */
export function series(scrape: string, name: string, labels: Record<string, string>): number {
  for (const line of scrape.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** Log lines with this message about this node. */
export function nodeLines(tg: TestGateway, msg: string, node: string): Array<Record<string, unknown>> {
  return tg.logs().filter((l) => l.msg === msg && l.node === node);
}
