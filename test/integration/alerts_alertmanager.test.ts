// The production Alertmanager config (rendered by its own script, with only the timings shortened)
// run in a real Alertmanager: what reaches Discord and the webhook, grouping per network, inhibition.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderAlertmanager, shortenTimings, startAlertmanager, startReceiver, tempDir, waitFor, type Daemon, type Receiver } from './alerts_support.ts';

const DISCORD_PATH = '/api/webhooks/1234/discord-token';
const RED = 0x992d22; // Alertmanager's Discord colours: firing
const GREEN = 0x2ecc71; // resolved

const ctx = { am: undefined as Daemon | undefined, receiver: undefined as Receiver | undefined };
const am = () => ctx.am as Daemon;
const received = () => ctx.receiver?.received ?? [];
const discord = () => received().filter((r) => r.path === DISCORD_PATH);
const webhook = () => received().filter((r) => r.path === '/hook');

async function post(alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string>; endsAt?: string }>): Promise<void> {
  const res = await fetch(`${am().url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  assert.is(res.status, 200, await res.text());
}

const nodeDown = (node: string, network = 'l2') => ({
  labels: { alertname: 'GatewayNodeDown', severity: 'warning', network, node },
  annotations: {
    summary: `Node ${node} (${network}) is out of rotation`,
    description: `Node ${node} of network ${network} has been out of rotation for more than 1 minute (gateway_node_up = 0).`,
    runbook_url: 'docs/runbooks/GatewayNodeDown.md',
  },
});

const Alertmanager = suite('alertmanager');

Alertmanager.before(async () => {
  const receiver = await startReceiver();
  ctx.receiver = receiver;
  const out = tempDir('am-live');
  const rendered = await renderAlertmanager(out, {
    DISCORD_WEBHOOK_URL: `${receiver.url}${DISCORD_PATH}`,
    ALERT_WEBHOOK_URL: `${receiver.url}/hook`,
    RUNBOOK_BASE_URL: 'https://example.org/repo/blob/main/',
  });
  assert.is(rendered.code, 0, rendered.stderr);
  shortenTimings(join(out, 'alertmanager.yml'));
  ctx.am = await startAlertmanager(join(out, 'alertmanager.yml'));
});

Alertmanager.after(async () => {
  await ctx.am?.stop();
  await ctx.receiver?.close();
});

Alertmanager('a firing alert reaches Discord as an embed naming the network, the node and the runbook', async () => {
  await post([nodeDown('a')]);
  const msg = await waitFor('a Discord message', () => discord().find((r) => r.body.embeds?.[0]?.title?.includes('GatewayNodeDown')), 15_000);
  assert.equal(Object.keys(msg.body).sort(), ['content', 'embeds']);
  const embed = msg.body.embeds[0];
  assert.is(embed.title, '[FIRING:1] GatewayNodeDown on l2');
  assert.is(embed.color, RED);
  assert.match(embed.description, /\*\*WARNING\*\* GatewayNodeDown · network l2 · node a/);
  assert.match(embed.description, /gateway_node_up = 0/);
  assert.match(embed.description, /Runbook: https:\/\/example\.org\/repo\/blob\/main\/docs\/runbooks\/GatewayNodeDown\.md/);
  assert.ok(embed.title.length <= 256 && embed.description.length <= 4096, 'within Discord embed limits');
});

Alertmanager('the same alert reaches the generic webhook in Alertmanager format, grouped by network', async () => {
  const msg = await waitFor('a webhook message', () => webhook().find((r) => r.body.status === 'firing'), 15_000);
  assert.is(msg.body.version, '4');
  assert.equal(msg.body.groupLabels, { network: 'l2' });
  assert.equal(msg.body.alerts[0].labels, { alertname: 'GatewayNodeDown', severity: 'warning', network: 'l2', node: 'a' });
  assert.is(msg.body.alerts[0].annotations.runbook_url, 'docs/runbooks/GatewayNodeDown.md');
});

Alertmanager('a network with no healthy node inhibits its per-node alerts but not another network', async () => {
  await post([
    {
      labels: { alertname: 'GatewayNetworkNoHealthyNode', severity: 'critical', network: 'l2' },
      annotations: { summary: 'Network l2 has no healthy node', description: '0 nodes of network l2 are in rotation.', runbook_url: 'docs/runbooks/GatewayNetworkNoHealthyNode.md' },
    },
    nodeDown('b'),
    nodeDown('x', 'l1'),
  ]);
  const inhibited = await waitFor(
    'node b inhibited',
    async () => {
      const res = await fetch(`${am().url}/api/v2/alerts?inhibited=true&silenced=false&active=true`);
      const list = (await res.json()) as Array<{ labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }>;
      const byNode = (node: string) => list.find((a) => a.labels.node === node);
      return byNode('b')?.status.state === 'suppressed' && byNode('a')?.status.state === 'suppressed' ? list : undefined;
    },
    15_000,
  );
  const l1 = inhibited.find((a) => a.labels.node === 'x');
  assert.is(l1?.status.state, 'active', 'l1 is another network: not inhibited');
  const critical = await waitFor('the network-down message', () => discord().find((r) => r.body.embeds[0].title.includes('GatewayNetworkNoHealthyNode')), 15_000);
  assert.is(critical.body.embeds[0].title, '[FIRING:1] GatewayNetworkNoHealthyNode on l2');
  await waitFor('the l1 node-down message', () => discord().find((r) => r.body.embeds[0].title === '[FIRING:1] GatewayNodeDown on l1'), 15_000);
  const aboutB = received().filter((r) => JSON.stringify(r.body).includes('node b') || r.body.alerts?.some((x: any) => x.labels.node === 'b'));
  assert.equal(aboutB, [], 'no notification mentions the inhibited node');
});

Alertmanager('a resolved alert is announced as resolved in green', async () => {
  await post([{ ...nodeDown('x', 'l1'), endsAt: new Date(Date.now() - 1000).toISOString() }]);
  const msg = await waitFor('a resolved Discord message', () => discord().find((r) => r.body.embeds[0].title === '[RESOLVED] GatewayNodeDown on l1'), 15_000);
  assert.is(msg.body.embeds[0].color, GREEN);
  assert.match(msg.body.embeds[0].description, /\*\*RESOLVED\*\* GatewayNodeDown · network l1 · node x/);
  await waitFor('a resolved webhook message', () => webhook().find((r) => r.body.status === 'resolved' && r.body.groupLabels.network === 'l1'), 15_000);
});

Alertmanager.run();
