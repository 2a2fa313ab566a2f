// The frame every portal page shares: head, navigation, the operator in the footer. Pages pass Html only.
import { html, type Html, type HtmlValue } from './html.ts';

export type NavItem = 'home' | 'new-key' | 'account';

/** Who runs this gateway, as the footer names them (OPERATOR_NAME, OPERATOR_URL, OPERATOR_CONTACT). */
export interface OperatorView {
  name: string;
  url?: string;
  contact?: string;
}

export interface PageOptions {
  title: string;
  nav?: NavItem;
  operator: OperatorView;
  /** Shown as "signed in as" with a sign-out button when present. */
  session?: { address: string; csrf: string };
}

/** What the pages tell the browser it may load: only this gateway's own stylesheet, script and forms. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const NAV: Array<[NavItem, string, string]> = [
  ['home', '/', 'Home'],
  ['new-key', '/keys/new', 'Get a key'],
  ['account', '/account', 'My keys'],
];

export function page(options: PageOptions, body: Html): string {
  const { operator } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${options.title} · ${operator.name}</title>
<link rel="stylesheet" href="/portal/style.css">
<script src="/portal/app.js" defer></script>
</head>
<body>
<header class="site"><div class="inner">
<a class="brand" href="/">${operator.name}</a>
<nav aria-label="Main"><ul>${NAV.map(
    ([id, href, label]) => html`<li><a href="${href}"${options.nav === id ? html` aria-current="page"` : ''}>${label}</a></li>`,
  )}</ul></nav>
</div></header>
<main>
${options.session ? signedIn(options.session) : ''}
${body}
</main>
<footer class="site"><div class="inner">
<p>Livepeer RPC gateway run by ${operator.url ? html`<a href="${operator.url}">${operator.name}</a>` : operator.name}.${
    operator.contact ? html` Contact: ${operator.contact}.` : ''
  } Node status as JSON: <a href="/status">/status</a>.</p>
</div></footer>
</body>
</html>
`.value;
}

function signedIn(session: { address: string; csrf: string }): Html {
  return html`<form class="panel notice" method="post" action="/auth/logout">
<input type="hidden" name="csrf" value="${session.csrf}">
Signed in as <code>${session.address}</code>. <button class="secondary" type="submit">Sign out</button>
</form>`;
}

/** A titled box for errors, successes and notices. */
export function box(kind: 'error' | 'success' | 'notice', title: string, ...content: HtmlValue[]): Html {
  return html`<section class="panel ${kind}" ${kind === 'error' ? html`role="alert"` : ''}><h2>${title}</h2>${content}</section>`;
}
