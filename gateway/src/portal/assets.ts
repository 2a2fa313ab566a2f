// The portal's only stylesheet and script, served by the gateway itself (the CSP allows nothing else).
// The script is progressive: every form works without it; it adds copy buttons and browser-wallet signing.

export const STYLE_CSS = `
:root { --fg: #1a1a1a; --muted: #4a4a4a; --bg: #ffffff; --panel: #f4f5f7; --line: #c9ced6; --accent: #0b57d0; --ok: #116329; --bad: #a4161a; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
header.site { background: #10243e; color: #fff; }
header.site .inner, main, footer.site .inner { max-width: 58rem; margin: 0 auto; padding: 0 1.25rem; }
header.site .inner { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1.5rem; padding-top: .8rem; padding-bottom: .8rem; }
header.site a { color: #fff; }
.brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; }
nav ul { list-style: none; display: flex; gap: 1.25rem; margin: 0; padding: 0; }
nav a[aria-current="page"] { text-decoration-thickness: 3px; }
main { padding-top: 1.5rem; padding-bottom: 2.5rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: .2rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; }
a { color: var(--accent); }
p, li { max-width: 46rem; }
code, pre, textarea, input.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92rem; }
code { background: var(--panel); padding: .05rem .3rem; border-radius: 3px; }
pre { background: var(--panel); padding: .8rem 1rem; border-radius: 6px; overflow-x: auto; }
ol.steps li { margin-bottom: .6rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.1rem; margin: 1rem 0; }
.notice { border-left: 5px solid var(--accent); }
.error { border-left: 5px solid var(--bad); }
.success { border-left: 5px solid var(--ok); }
.panel h2 { margin-top: 0; }
.panel > :first-child, .panel > input[type="hidden"] + * { margin-top: 0; }
label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
.hint { color: var(--muted); font-size: .92rem; margin: .2rem 0; }
input[type="text"], textarea { width: 100%; padding: .55rem .6rem; border: 1px solid #767b85; border-radius: 5px; background: #fff; color: var(--fg); }
textarea { min-height: 5.5rem; resize: vertical; }
textarea.challenge { min-height: 4.5rem; background: #fff; }
input:focus, textarea:focus, button:focus, a:focus { outline: 3px solid #f0b400; outline-offset: 1px; }
.copy-row { display: flex; gap: .5rem; align-items: stretch; }
.copy-row input, .copy-row textarea { flex: 1; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .5rem 1rem; border-radius: 5px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
.actions { display: flex; flex-wrap: wrap; gap: .6rem; margin-top: 1rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .95rem; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.when, td code { white-space: nowrap; }
.table-wrap { overflow-x: auto; }
.row-actions { display: flex; flex-wrap: wrap; gap: .4rem; }
th .hint { font-weight: 400; }
.status-ok { color: var(--ok); font-weight: 600; }
.status-bad { color: var(--bad); font-weight: 600; }
.inline { display: inline; margin: 0; }
footer.site { border-top: 1px solid var(--line); color: var(--muted); font-size: .9rem; }
footer.site .inner { padding-top: 1rem; padding-bottom: 1.5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

export const APP_JS = `
'use strict';
(function () {
  function copyFrom(target, button) {
    var text = 'value' in target ? target.value : target.textContent;
    var done = function () { var was = button.textContent; button.textContent = 'Copied'; setTimeout(function () { button.textContent = was; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectAndCopy(target); done(); });
    } else { selectAndCopy(target); done(); }
  }
  function selectAndCopy(target) {
    if (target.select) target.select();
    try { document.execCommand('copy'); } catch (e) { /* the text stays selected for the member to copy */ }
  }
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var target = document.getElementById(button.getAttribute('data-copy'));
      if (target) copyFrom(target, button);
    });
  });

  function toHex(text) {
    var bytes = new TextEncoder().encode(text);
    var hex = '0x';
    for (var i = 0; i < bytes.length; i++) hex += bytes[i].toString(16).padStart(2, '0');
    return hex;
  }
  var wallet = document.getElementById('wallet-sign');
  if (wallet && window.ethereum && typeof window.ethereum.request === 'function') {
    var form = wallet.closest('form');
    var status = document.getElementById('wallet-status');
    wallet.hidden = false;
    wallet.addEventListener('click', function () {
      var message = form.querySelector('[name="message"]').value;
      status.textContent = 'Waiting for your wallet...';
      window.ethereum.request({ method: 'eth_requestAccounts' }).then(function (accounts) {
        var account = accounts && accounts[0];
        if (!account) throw new Error('the wallet shared no account');
        return window.ethereum.request({ method: 'personal_sign', params: [toHex(message), account] }).then(function (signature) {
          form.querySelector('[name="signature"]').value = signature;
          var address = form.querySelector('[name="address"]');
          if (address) address.value = account;
          status.textContent = 'Signed; sending...';
          form.submit();
        });
      }).catch(function (err) {
        status.textContent = 'The wallet did not sign: ' + (err && err.message ? err.message : String(err));
      });
    });
  }
})();
`;
