// "Get a key" and the page that shows a new key, once, with the URLs to use it.
import { box } from './layout.ts';
import { html, type Html } from './html.ts';
import { signForm, type ChallengeView } from './signForm.ts';

export interface NewKeyView {
  /** Absent when no challenge could be issued (rate limit, database): `problem` says why. */
  challenge?: ChallengeView;
  problem?: string;
  values?: { signature?: string; address?: string; label?: string };
}

export function newKeyBody(view: NewKeyView): Html {
  return html`<h1>Get a key</h1>
<p>Sign the challenge below with your orchestrator's account (livepeer_cli, <strong>Sign a message</strong>; see the
<a href="/#tutorial">steps</a>), paste the signature and send it. Active orchestrators get their key at once.</p>
${view.problem ? box('error', 'That did not work', html`<p>${view.problem}</p>`) : ''}
${view.challenge ? signForm({ challenge: view.challenge, purpose: 'key', submitLabel: 'Get my key', values: view.values }) : html`<p><a class="button" href="/keys/new">Try again</a></p>`}`;
}

export interface CreatedKeyView {
  key: string;
  prefix: string;
  label: string | null;
  address: string;
  urls: Array<{ path: string; title: string; url: string }>;
}

export function keyCreatedBody(view: CreatedKeyView, heading = 'Your new key'): Html {
  const l2 = view.urls.find((u) => u.path === 'l2') ?? view.urls[0];
  return html`<h1>${heading}</h1>
${box(
    'success',
    'Copy it now: it is shown only once',
    html`<p>The gateway keeps only a hash of it. If you lose it, sign in to <a href="/account">My keys</a> to rotate it.</p>`,
  )}
<label for="api-key">API key for <code>${view.address}</code>${view.label ? html` (${view.label})` : ''}</label>
<div class="copy-row"><input type="text" id="api-key" class="mono" readonly value="${view.key}"><button type="button" class="secondary" data-copy="api-key" hidden>Copy</button></div>
${view.urls.map(
    (u) => html`<label for="url-${u.path}">${u.title} URL</label>
<div class="copy-row"><input type="text" id="url-${u.path}" class="mono" readonly value="${u.url}"><button type="button" class="secondary" data-copy="url-${u.path}" hidden>Copy</button></div>`,
  )}
${l2 ? html`<h2>Use it</h2><p>Start (or restart) your orchestrator with:</p>
<div class="copy-row"><input type="text" id="eth-url-flag" class="mono" readonly value="-ethUrl ${l2.url}"><button type="button" class="secondary" data-copy="eth-url-flag" hidden>Copy</button></div>` : ''}
<p class="hint">Key prefix <code>${view.prefix}</code>: that is how it appears in My keys.</p>
<p><a href="/account">Manage your keys</a></p>`;
}
