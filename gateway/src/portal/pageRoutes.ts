// The member portal's pages: home, Get a key, My keys (with revoke, rotate and new key), and its two assets.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { getAddress } from 'viem';
import { checkLabel } from '../membership/keys.ts';
import { KeyNotFoundError } from '../membership/errors.ts';
import { APP_JS, STYLE_CSS } from './assets.ts';
import { CsrfRejectedError, SessionRequiredError } from './errors.ts';
import { html } from './pages/html.ts';
import { box } from './pages/layout.ts';
import { accountBody, signInBody } from './pages/account.ts';
import { homeBody } from './pages/home.ts';
import { keyCreatedBody, newKeyBody } from './pages/keys.ts';
import { csrfTokenMatches } from './session.ts';
import { challengeView, NETWORK_TITLES, type Portal, type Session } from './portal.ts';
import { asPortalError, assertSameOrigin, errorStatus, optionalText, prefersJson, readFields, sendError, sendJson, type Fields } from './http.ts';

const KEY_ID = /^\d{1,18}$/;

export function portalRoutes(router: Router, portal: Portal): void {
  const { config, bus, members, networks } = portal.deps;

  router.get('/portal/style.css', (ctx) => asset(ctx, 'text/css; charset=utf-8', STYLE_CSS));
  router.get('/portal/app.js', (ctx) => asset(ctx, 'text/javascript; charset=utf-8', APP_JS));

  router.get('/', (ctx) => {
    const view = portal.networks.map((n) => {
      const service = networks[n]!;
      return { path: n, title: NETWORK_TITLES[n], healthyNodes: service.healthyCount(), nodes: service.status().length, head: service.head()?.number ?? null };
    });
    portal.sendPage(ctx, 200, { title: 'Home', nav: 'home' }, homeBody({ publicUrl: config.publicUrl, networks: view }));
  });

  router.get('/keys/new', async (ctx) => {
    try {
      const challenge = challengeView(await portal.newChallenge(ctx));
      portal.sendPage(ctx, 200, { title: 'Get a key', nav: 'new-key' }, newKeyBody({ challenge }));
    } catch (err) {
      const error = asPortalError(err, bus, 'portal.new_key');
      portal.sendPage(ctx, errorStatus(ctx, error), { title: 'Get a key', nav: 'new-key' }, newKeyBody({ problem: error.message }));
    }
  });

  router.get('/account', async (ctx) => {
    try {
      const session = await portal.session(ctx);
      if (!session) {
        if (prefersJson(ctx)) throw new SessionRequiredError();
        const challenge = challengeView(await portal.newChallenge(ctx));
        portal.sendPage(ctx, 200, { title: 'Sign in', nav: 'account' }, signInBody({ challenge }));
        return;
      }
      const [keys, admission] = await Promise.all([members.keysOf(session.address), members.admitForKey(session.address)]);
      if (prefersJson(ctx)) {
        sendJson(ctx, 200, { address: getAddress(session.address), keys, canCreateKeys: admission.allowed });
        return;
      }
      const revokedId = typeof ctx.query.revoked === 'string' ? ctx.query.revoked : undefined;
      const revoked = revokedId === undefined ? undefined : keys.find((k) => k.id === revokedId && k.revokedAt !== null);
      portal.sendPage(
        ctx,
        200,
        { title: 'My keys', nav: 'account', session },
        accountBody({
          address: getAddress(session.address),
          keys,
          networks: portal.networks,
          csrf: session.csrf,
          cannotCreate: admission.allowed ? undefined : `${admission.why} ${admission.whatToDo}`,
          notice: revoked ? `Key ${revoked.prefix}… was revoked: it stops working at once.` : undefined,
        }),
      );
    } catch (err) {
      failure(ctx, err, 'portal.account');
    }
  });

  router.post('/account/keys', async (ctx) => {
    try {
      const { session, fields } = await signedInPost(ctx);
      const label = checkLabel(optionalText(fields, 'label'));
      const created = await members.createKey(session.address, label);
      if (fields.json) sendJson(ctx, 201, portal.keyJson(created));
      else portal.sendPage(ctx, 200, { title: 'Your new key', nav: 'account', session }, keyCreatedBody(portal.keyView(created)));
    } catch (err) {
      failure(ctx, err, 'portal.create_key');
    }
  });

  router.post('/account/keys/:id/revoke', async (ctx) => {
    try {
      const { session, fields } = await signedInPost(ctx);
      const { key: revoked, alreadyRevoked } = await members.revoke(session.address, keyId(ctx));
      if (fields.json) {
        sendJson(ctx, 200, { revoked: { id: revoked.id, prefix: revoked.prefix, revokedAt: revoked.revokedAt }, alreadyRevoked });
      } else {
        ctx.status = 303;
        ctx.redirect(`/account?revoked=${revoked.id}`);
      }
    } catch (err) {
      failure(ctx, err, 'portal.revoke');
    }
  });

  router.post('/account/keys/:id/rotate', async (ctx) => {
    try {
      const { session, fields } = await signedInPost(ctx);
      const id = keyId(ctx);
      const created = await members.rotate(session.address, id);
      if (fields.json) sendJson(ctx, 201, { ...portal.keyJson(created), replaces: id });
      else portal.sendPage(ctx, 200, { title: 'Your new key', nav: 'account', session }, keyCreatedBody(portal.keyView(created), 'Your replacement key'));
    } catch (err) {
      failure(ctx, err, 'portal.rotate');
    }
  });

  /** A state-changing request of a signed-in member: same origin, live session, and the session's CSRF token. */
  async function signedInPost(ctx: Context): Promise<{ session: Session; fields: Fields }> {
    assertSameOrigin(ctx, config.publicUrl);
    const fields = await readFields(ctx);
    const session = await portal.session(ctx);
    if (!session) throw new SessionRequiredError();
    if (!csrfTokenMatches(session.token, fields.get('csrf') ?? ctx.get('x-csrf-token'))) {
      throw new CsrfRejectedError('the form does not carry this session\'s token');
    }
    return { session, fields };
  }

  function failure(ctx: Context, err: unknown, where: string): void {
    const error = asPortalError(err, bus, where);
    if (prefersJson(ctx)) {
      sendError(ctx, error);
      return;
    }
    const again = error instanceof SessionRequiredError ? html`<a href="/account">Sign in again</a>` : html`<a href="/account">Back to My keys</a>`;
    portal.sendPage(ctx, errorStatus(ctx, error), { title: 'My keys', nav: 'account' }, html`<h1>My keys</h1>${box('error', 'That did not work', html`<p>${error.message}</p>`)}<p>${again}</p>`);
  }
}

function keyId(ctx: Context): string {
  const id = ctx.params.id ?? '';
  if (!KEY_ID.test(id)) throw new KeyNotFoundError('that id');
  return id;
}

function asset(ctx: Context, type: string, body: string): void {
  ctx.type = type;
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = body;
}
