// Home: what the service is, how to get from livepeer_cli to a working -ethUrl, and each network's status.
import { html, type Html } from './html.ts';

export interface NetworkStatusView {
  /** 'l2' | 'l1': the last segment of the member URL. */
  path: string;
  title: string;
  healthyNodes: number;
  nodes: number;
  head: number | null;
}

export interface HomeView {
  publicUrl: string;
  networks: NetworkStatusView[];
}

export function homeBody(view: HomeView): Html {
  return html`<h1>One reliable Ethereum URL for your Livepeer orchestrator</h1>
<p>This gateway gives each active Livepeer orchestrator its own JSON-RPC URL for Arbitrum One (and Ethereum).
Behind it is a pool of nodes: calls go to the first healthy node, fail over to the next when one is down or behind,
and answers that cannot change are cached. Point your node's <code>-ethUrl</code> at it and stop worrying about a
single provider.</p>
<p><a class="button" href="/keys/new">Get a key</a></p>

<h2 id="status">Network status</h2>
${view.networks.length === 0 ? html`<p>No networks are configured.</p>` : statusTable(view.networks)}

<h2 id="tutorial">How to get your key with livepeer_cli</h2>
<p>Your key is tied to your orchestrator's Ethereum account. You prove you control it by signing a one-line
challenge with <code>livepeer_cli</code>, on the machine where your orchestrator runs; nothing is sent on chain.</p>
<ol class="steps">
<li>Open <a href="/keys/new">Get a key</a> and copy the challenge line (it is valid for a few minutes and can be used once).</li>
<li>Start <code>livepeer_cli</code> next to your node (add <code>-host</code> and <code>-http</code> if the node's CLI
address is not the default <code>127.0.0.1:7935</code>) and choose <strong>Sign a message</strong>.</li>
<li>Paste the challenge line exactly as it is and press Enter. Current releases then wait for
<kbd>Ctrl</kbd>+<kbd>D</kbd> (<kbd>Ctrl</kbd>+<kbd>Z</kbd> then Enter on Windows); older ones sign right away.</li>
<li>livepeer_cli prints <code>Signature:</code> and a line starting with <code>0x</code>. Copy that whole line.</li>
<li>Paste it in the <em>Signature</em> box on the Get a key page and send it. Optionally give your orchestrator's
address too: then the gateway tells you precisely if the signature was made by another account.</li>
<li>Your key is shown once, with your URLs. Restart your node with:
<pre>-ethUrl ${view.publicUrl}/api/&lt;API_KEY&gt;/l2</pre></li>
</ol>
<p>A browser wallet holding the orchestrator's account works too: the Get a key page offers
<em>Sign with browser wallet</em> when one is present. Lost the key? Sign in to <a href="/account">My keys</a> to
revoke it and get a new one (rotate).</p>
<p>Only addresses in Livepeer's active orchestrator set (or granted by the operator) get a key. An orchestrator that
leaves the active set keeps working for a grace period.</p>`;
}

function statusTable(networks: NetworkStatusView[]): Html {
  return html`<table>
<thead><tr><th scope="col">Network</th><th scope="col">URL path</th><th scope="col">Healthy nodes</th><th scope="col">Head block</th></tr></thead>
<tbody>${networks.map(
    (n) => html`<tr><td>${n.title}</td><td><code>/api/&lt;API_KEY&gt;/${n.path}</code></td>
<td class="${n.healthyNodes > 0 ? 'status-ok' : 'status-bad'}">${n.healthyNodes} of ${n.nodes}</td>
<td class="num">${n.head === null ? 'unknown' : n.head.toLocaleString('en-US')}</td></tr>`,
  )}</tbody>
</table>`;
}
