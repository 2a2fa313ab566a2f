// The whole portal flow in real headless Chromium against the real gateway: read the challenge, sign it (here
// with viem, as livepeer_cli would), paste, receive the key, use it, sign in to My keys, see its usage, revoke
// it. Also the browser-wallet button (EIP-1193 personal_sign). Screenshots go to artifacts/screenshots/.
// The browser may reach 127.0.0.1 only: every other request is refused and counted.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hexToString, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { TEST_PRIVATE_KEYS } from '../helpers/anvil.ts';
import { waitFor } from '../helpers/gateway.ts';
import { orchestrator, startAuthGateway, stranger, type AuthGateway } from '../integration/portal_support.ts';

const SHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let h: AuthGateway;
let browser: Browser;
let context: BrowserContext;
const offsite: string[] = [];
const consoleErrors: string[] = [];

test.before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  h = await startAuthGateway('portal_browser', { env: { AUTH_RATE_BURST: '100', OPERATOR_URL: 'https://operator.example.org' } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS, timeout: 60_000 });
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.base });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    offsite.push(url.href);
    return route.abort('blockedbyclient');
  });
});

test.after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await h?.stop();
});

function watch(page: Page): void {
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(err.message));
}

/** A new page whose console errors (CSP violations included) are collected. */
async function watchedPage(): Promise<Page> {
  const page = await context.newPage();
  watch(page);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

async function rpc(key: string): Promise<number> {
  return (await h.useKey(key)).status;
}

let key = '';

test('home explains the service, the livepeer_cli steps and shows each network\'s status', async () => {
  const page = await watchedPage();
  await page.goto(`${h.base}/`);
  assert.is(await page.title(), 'Home · Test Operator');
  const text = await page.locator('main').innerText();
  assert.match(text, /Sign a message/);
  assert.match(text, new RegExp(`-ethUrl ${h.base.replace(/[.]/g, '\\.')}/api/<API_KEY>/l2`));
  const rows = page.locator('table tbody tr');
  assert.is(await rows.count(), 2);
  assert.match(await rows.nth(0).innerText(), /Arbitrum One\s+\/api\/<API_KEY>\/l2\s+1 of 1/);
  await shot(page, '1-home');
  await page.close();
});

test('get a key: copy the challenge, paste the signature, receive the key once with copy buttons and full URLs', async () => {
  const page = await watchedPage();
  await page.goto(`${h.base}/`);
  await page.getByRole('link', { name: 'Get a key' }).first().click();
  await page.waitForURL(`${h.base}/keys/new`);
  const challenge = await page.locator('#challenge').inputValue();
  assert.match(challenge, /^Sign in to the Livepeer RPC gateway at 127\.0\.0\.1:\d+\. Nonce: [0-9a-f]{32}\./);
  assert.ok(await page.getByRole('button', { name: 'Copy' }).first().isVisible(), 'our script ran under the CSP');
  assert.not.ok(await page.locator('#wallet-sign').isVisible(), 'no wallet, no wallet button');
  await page.getByRole('button', { name: 'Copy' }).first().click();
  assert.is(await page.evaluate('navigator.clipboard.readText()'), challenge);
  await shot(page, '2-get-a-key');

  await page.getByLabel('2. The signature livepeer_cli printed').fill(`Signature:\n${await orchestrator.signMessage({ message: challenge })}\n`);
  await page.getByLabel('A label for this key (optional)').fill('rack 1 <orchestrator>');
  await page.getByRole('button', { name: 'Get my key' }).click();
  await page.waitForSelector('#api-key');
  key = await page.locator('#api-key').inputValue();
  assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  assert.is(await page.locator('#url-l2').inputValue(), `${h.base}/api/${key}/l2`);
  assert.is(await page.locator('#url-l1').inputValue(), `${h.base}/api/${key}/l1`);
  assert.is(await page.locator('#eth-url-flag').inputValue(), `-ethUrl ${h.base}/api/${key}/l2`);
  assert.match(await page.locator('main').innerText(), /shown only once/);
  await page.locator('button[data-copy="url-l2"]').click();
  assert.is(await page.evaluate('navigator.clipboard.readText()'), `${h.base}/api/${key}/l2`);
  await shot(page, '3-key-created');
  await page.close();
});

test('the key works on /api/<key>/l2', async () => {
  for (let i = 0; i < 3; i++) assert.is(await rpc(key), 200);
});

test('sign in to My keys, see the key with its usage, and revoke it', async () => {
  const page = await watchedPage();
  await page.goto(`${h.base}/account`);
  assert.match(await page.locator('h1').innerText(), /Sign in to My keys/);
  await shot(page, '4-sign-in');
  const challenge = await page.locator('#challenge').inputValue();
  await page.getByLabel('2. The signature livepeer_cli printed').fill(await orchestrator.signMessage({ message: challenge }));
  await page.getByLabel("Your orchestrator's address (optional)").fill(orchestrator.address);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${h.base}/account`);
  const cookies = await context.cookies(h.base);
  const sessionCookie = cookies.find((c) => c.name === 'gw_session');
  assert.ok(sessionCookie?.httpOnly && sessionCookie.sameSite === 'Strict');
  assert.is(await page.evaluate('document.cookie'), '', 'the page script cannot read the session');

  const row = page.locator(`tr:has(code:text("${key.slice(0, 8)}…"))`);
  await waitFor(async () => {
    await page.reload();
    return (await row.locator('td.num').first().innerText()) === '3 / 3';
  }, 15_000, 'the usage flush to show 3 requests in the last 24 h');
  const cells = await row.locator('td').allInnerTexts();
  assert.is(cells[1], 'rack 1 <orchestrator>');
  assert.equal(cells.slice(4, 6), ['3 / 3', '0 / 0'], '/l2 and /l1, each 24 h / 30 d');
  await shot(page, '5-my-keys');

  await row.getByRole('button', { name: /^Revoke key/ }).click();
  await page.waitForURL(/\/account\?revoked=\d+$/);
  assert.match(await page.locator('main').innerText(), new RegExp(`Key ${key.slice(0, 8)}… was revoked`));
  await shot(page, '6-revoked');
  await waitFor(async () => (await rpc(key)) === 401, 1000, 'the revoked key to be refused');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${h.base}/`);
  await page.close();
});

test('with a browser wallet present, "Sign with browser wallet" asks it to personal_sign the challenge and submits', async () => {
  const page = await watchedPage();
  const requests: Array<{ method: string; params?: unknown[] }> = [];
  const wallet = privateKeyToAccount(TEST_PRIVATE_KEYS[0]);
  await page.exposeFunction('testWalletRequest', async (request: { method: string; params?: unknown[] }) => {
    requests.push(request);
    if (request.method === 'eth_requestAccounts') return [wallet.address.toLowerCase()];
    if (request.method === 'personal_sign') return wallet.signMessage({ message: { raw: request.params![0] as Hex } });
    throw new Error(`unexpected ${request.method}`);
  });
  // A string, not a function: the test runner's transpiler would add helpers the page does not have.
  await page.addInitScript('window.ethereum = { request: (req) => window.testWalletRequest(req) };');
  await page.goto(`${h.base}/keys/new`);
  const challenge = await page.locator('#challenge').inputValue();
  const button = page.getByRole('button', { name: 'Sign with browser wallet' });
  assert.ok(await button.isVisible());
  await button.click();
  await page.waitForSelector('#api-key');
  assert.equal(requests.map((r) => r.method), ['eth_requestAccounts', 'personal_sign']);
  const [hexMessage, account] = requests[1]!.params as [Hex, string];
  assert.is(hexToString(hexMessage), challenge, 'EIP-1193 personal_sign gets the challenge as hex');
  assert.is(account, wallet.address.toLowerCase());
  assert.is(await rpc(await page.locator('#api-key').inputValue()), 200);
  await page.close();
});

test('a non-member is told why and what to do, on the same page with the same challenge', async () => {
  const page = await context.newPage(); // unwatched: the browser logs the 403 answer as a failed load
  await page.goto(`${h.base}/keys/new`);
  const challenge = await page.locator('#challenge').inputValue();
  await page.getByLabel('2. The signature livepeer_cli printed').fill(await stranger.signMessage({ message: challenge }));
  await page.getByRole('button', { name: 'Get my key' }).click();
  await page.waitForSelector('[role="alert"]');
  const alert = await page.locator('[role="alert"]').innerText();
  assert.match(alert, /is not an active orchestrator/);
  assert.match(alert, /ask Test Operator for a grant/);
  assert.is(await page.locator('#challenge').inputValue(), challenge, 'the unspent challenge is offered again');
  await shot(page, '7-not-a-member');
  await page.close();
});

test('the browser never left 127.0.0.1 and no page logged an error (CSP violations included)', () => {
  assert.equal(offsite, []);
  assert.equal(consoleErrors, []);
});

test.run();
