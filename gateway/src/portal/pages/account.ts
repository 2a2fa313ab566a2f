// "My keys": sign in with a signed challenge, then each key with its use, and revoke or rotate it.
import type { KeyUsage, NetworkUsage } from '../../store/usage.ts';
import { box } from './layout.ts';
import { html, type Html } from './html.ts';
import { formatTime, labelField, signForm, type ChallengeView } from './signForm.ts';

/** One network's request counts of a key. */
export type KeyUsageView = NetworkUsage & { network: string };

/** A key as My keys shows it: what the usage query returns, with usage as rows in display order. */
export type AccountKeyView = Omit<KeyUsage, 'usage'> & { usage: KeyUsageView[] };

export interface AccountView {
  address: string;
  keys: AccountKeyView[];
  /** Network paths in display order, one usage column each. */
  networks: string[];
  csrf: string;
  /** Why a new key cannot be made now (e.g. no longer an active orchestrator); absent when it can. */
  cannotCreate?: string;
  notice?: string;
}

export function accountBody(view: AccountView): Html {
  const live = view.keys.filter((k) => k.revokedAt === null);
  const revoked = view.keys.filter((k) => k.revokedAt !== null);
  return html`<h1>My keys</h1>
${view.notice ? box('success', 'Key revoked', html`<p>${view.notice}</p>`) : ''}
${view.cannotCreate ? box('notice', 'New keys are not available', html`<p>${view.cannotCreate}</p>`) : ''}
<h2>Active keys</h2>
${live.length === 0 ? html`<p>You have no active key.</p>` : keyTable(live, view, true)}
${view.cannotCreate ? '' : newKeyForm(view.csrf)}
${revoked.length === 0 ? '' : html`<h2>Revoked keys</h2>${keyTable(revoked, view, false)}`}
<p class="hint">Times are UTC. Request counts are collected in memory and written about every half minute, by the hour.</p>`;
}

function keyTable(keys: AccountKeyView[], view: AccountView, actions: boolean): Html {
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Key</th><th scope="col">Label</th><th scope="col">Created</th><th scope="col">${actions ? 'Last used' : 'Revoked'}</th>
${view.networks.map((n) => html`<th scope="col" class="num">/${n} requests<br><span class="hint">24 h / 30 d</span></th>`)}
${actions ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
<tbody>${keys.map((k) => keyRow(k, view, actions))}</tbody>
</table></div>`;
}

function keyRow(k: AccountKeyView, view: AccountView, actions: boolean): Html {
  const when = actions ? k.lastUsedAt : k.revokedAt;
  return html`<tr id="key-${k.id}">
<td><code>${k.prefix}…</code></td><td>${k.label ?? ''}</td><td class="when">${formatTime(k.createdAt)}</td><td class="when">${when ? formatTime(when) : 'never'}</td>
${view.networks.map((n) => {
    const u = k.usage.find((x) => x.network === n);
    return html`<td class="num">${count(u?.last24h)} / ${count(u?.last30d)}</td>`;
  })}
${actions ? html`<td><div class="row-actions">${keyActions(k, view)}</div></td>` : ''}
</tr>`;
}

function count(n: number | undefined): string {
  return (n ?? 0).toLocaleString('en-US');
}

function keyActions(k: AccountKeyView, view: AccountView): Html {
  const label = `key ${k.prefix}${k.label ? ` (${k.label})` : ''}`;
  return html`<form class="inline" method="post" action="/account/keys/${k.id}/revoke">
<input type="hidden" name="csrf" value="${view.csrf}"><button type="submit" class="danger" aria-label="Revoke ${label}">Revoke</button></form>
${view.cannotCreate ? '' : html`<form class="inline" method="post" action="/account/keys/${k.id}/rotate">
<input type="hidden" name="csrf" value="${view.csrf}"><button type="submit" class="secondary" aria-label="Rotate ${label}: revoke it and get a new one">Rotate</button></form>`}`;
}

function newKeyForm(csrf: string): Html {
  return html`<form method="post" action="/account/keys" class="panel">
<h2>New key</h2>
<input type="hidden" name="csrf" value="${csrf}">
${labelField(undefined)}
<div class="actions"><button type="submit">Create a key</button></div>
</form>`;
}

export interface SignInView {
  challenge?: ChallengeView;
  problem?: string;
  values?: { signature?: string; address?: string };
}

export function signInBody(view: SignInView): Html {
  return html`<h1>Sign in to My keys</h1>
<p>Sign a fresh challenge with your orchestrator's account, exactly as when you got your key. You stay signed in
on this browser for a few hours.</p>
${view.problem ? box('error', 'That did not work', html`<p>${view.problem}</p>`) : ''}
${view.challenge ? signForm({ challenge: view.challenge, purpose: 'session', submitLabel: 'Sign in', values: view.values }) : html`<p><a class="button" href="/account">Try again</a></p>`}`;
}
