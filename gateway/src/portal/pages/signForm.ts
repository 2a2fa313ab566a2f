// The challenge-and-signature form shared by "Get a key" and "Sign in": copy the line, sign it, paste the result.
import { html, type Html } from './html.ts';

export type SignInPurpose = 'key' | 'session';

export interface ChallengeView {
  message: string;
  /** The same challenge as EIP-712 typed data, one JSON line, for livepeer_cli's "Sign typed data". */
  typedDataJson: string;
  expiresAt: Date;
}

export interface SignFormView {
  challenge: ChallengeView;
  purpose: SignInPurpose;
  submitLabel: string;
  /** What the member typed before, shown again after an error. */
  values?: { signature?: string; address?: string; label?: string };
}

export function signForm(view: SignFormView): Html {
  const v = view.values ?? {};
  return html`<form method="post" action="/auth/verify" class="panel">
<input type="hidden" name="purpose" value="${view.purpose}">
<label for="challenge">1. The challenge: sign this exact line</label>
<p class="hint" id="challenge-hint">Valid until ${formatTime(view.challenge.expiresAt)} UTC, once. In livepeer_cli choose <strong>Sign a message</strong> and paste it.</p>
<div class="copy-row">
<textarea id="challenge" name="message" class="challenge mono" readonly rows="3" aria-describedby="challenge-hint">${view.challenge.message}</textarea>
<button type="button" class="secondary" data-copy="challenge" hidden>Copy</button>
</div>
<details>
<summary>Signing with "Sign typed data" instead (newer livepeer_cli)</summary>
<p class="hint">Paste this JSON line at the typed-data prompt; the signature works the same way.</p>
<div class="copy-row">
<textarea id="typed-data" class="mono" readonly rows="3">${view.challenge.typedDataJson}</textarea>
<button type="button" class="secondary" data-copy="typed-data" hidden>Copy</button>
</div>
</details>
<label for="signature">2. The signature livepeer_cli printed</label>
<p class="hint" id="signature-hint">The line under <code>Signature:</code>, starting with <code>0x</code> (130 hex digits after it).</p>
<textarea id="signature" name="signature" class="mono" rows="3" required spellcheck="false" autocomplete="off" aria-describedby="signature-hint">${v.signature ?? ''}</textarea>
<label for="address">Your orchestrator's address (optional)</label>
<p class="hint" id="address-hint">The ETH account of your node, 0x followed by 40 hex digits. With it, a signature made by another account is named as such.</p>
<input type="text" id="address" name="address" class="mono" value="${v.address ?? ''}" spellcheck="false" autocomplete="off" aria-describedby="address-hint">
${view.purpose === 'key' ? labelField(v.label) : ''}
<div class="actions">
<button type="submit">${view.submitLabel}</button>
<button type="button" class="secondary" id="wallet-sign" hidden>Sign with browser wallet</button>
</div>
<p class="hint" id="wallet-status" role="status" aria-live="polite"></p>
</form>`;
}

export function labelField(value: string | undefined): Html {
  return html`<label for="label">A label for this key (optional)</label>
<p class="hint" id="label-hint">For you, e.g. the node it is for. Up to 200 characters.</p>
<input type="text" id="label" name="label" maxlength="200" value="${value ?? ''}" aria-describedby="label-hint">`;
}

/** Minutes in UTC, e.g. 2025-11-25 19:43; pages say the zone once. */
export function formatTime(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ');
}
