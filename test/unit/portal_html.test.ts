// Portal HTML: every interpolated value is escaped, and whole pages rendered with hostile values contain
// them only escaped (no tag, no attribute break-out, no script URL).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeHtml, html } from '../../gateway/src/portal/pages/html.ts';
import { CONTENT_SECURITY_POLICY, page } from '../../gateway/src/portal/pages/layout.ts';
import { accountBody, signInBody } from '../../gateway/src/portal/pages/account.ts';
import { homeBody } from '../../gateway/src/portal/pages/home.ts';
import { keyCreatedBody, newKeyBody } from '../../gateway/src/portal/pages/keys.ts';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '`${alert(1)}`',
  '</textarea><script>alert(1)</script>',
  "'; DROP TABLE api_keys; --",
  '&lt;already-escaped&gt;',
];

/** Whatever the payload, the rendered page must not contain it raw where it has markup characters. */
function assertOnlyEscaped(out: string, payload: string): void {
  if (/[<>"'`&]/.test(payload)) assert.not.ok(out.includes(payload), `raw payload in output: ${payload}`);
  assert.ok(out.includes(escapeHtml(payload)), `escaped payload missing: ${payload}`);
}

test('escapeHtml replaces the five markup characters and the backtick, nothing else', () => {
  assert.is(escapeHtml(`<a href="x" title='y'>&\`</a> plain ü`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt; plain ü');
});

test('the html tag escapes strings and numbers, keeps nested Html, joins arrays, drops null, undefined and booleans', () => {
  const inner = html`<b>${'<i>'}</b>`;
  const out = html`<p>${'<x>'}${42}${inner}${[html`<br>`, '&']}${null}${undefined}${false}${true}</p>`;
  assert.is(out.value, '<p>&lt;x&gt;42<b>&lt;i&gt;</b><br>&amp;</p>');
});

test('every page renders hostile values only escaped', () => {
  const operator = { name: PAYLOADS[0]!, url: 'https://op.example.org/?a="><script>', contact: PAYLOADS[1]! };
  for (const p of PAYLOADS) {
    const challenge = { message: p, typedDataJson: p, expiresAt: new Date('2030-01-01T00:00:00Z') };
    const bodies = [
      homeBody({ publicUrl: `https://rpc.example.org/${p}`, networks: [{ path: 'l2', title: p, healthyNodes: 1, nodes: 2, head: 5 }] }),
      newKeyBody({ challenge, problem: p, values: { signature: p, address: p, label: p } }),
      signInBody({ challenge, problem: p, values: { signature: p, address: p } }),
      keyCreatedBody({ key: p, prefix: p, label: p, address: p, urls: [{ path: 'l2', title: p, url: p }] }),
      accountBody({
        address: p,
        csrf: p,
        networks: ['l2'],
        cannotCreate: p,
        notice: p,
        keys: [
          { id: '1', prefix: p, label: p, createdAt: new Date(), lastUsedAt: null, revokedAt: null, usage: [{ network: 'l2', last24h: 1, last30d: 2 }] },
          { id: '2', prefix: p, label: p, createdAt: new Date(), lastUsedAt: null, revokedAt: new Date(), usage: [] },
        ],
      }),
    ];
    for (const body of bodies) {
      const out = page({ title: p, operator, session: { address: p, csrf: p } }, body);
      assertOnlyEscaped(out, p);
      assert.not.ok(/<script(?![^>]*src="\/portal\/app\.js")/i.test(out), 'the only script element is our own');
      for (const tag of out.match(/<[a-z][^>]*>/gi) ?? []) {
        // attribute values are quoted with " and escaped text holds no raw ", so this leaves only attribute names
        assert.not.match(tag.replace(/"[^"]*"/g, '""'), /\son[a-z]+\s*=/i, 'no real tag carries an event handler attribute');
        assert.not.match(tag, /(href|src|action)="\s*javascript:/i, 'no script URL');
      }
    }
  }
});

test('the content security policy allows only the gateway itself and no inline script', () => {
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
  assert.match(CONTENT_SECURITY_POLICY, /form-action 'self'/);
  assert.not.match(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|https?:|\*/);
});

test.run();
