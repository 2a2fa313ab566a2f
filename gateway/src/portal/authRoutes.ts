// Sign-in endpoints: POST /auth/challenge, POST /auth/verify (a key, or a session for My keys), POST /auth/logout.
// JSON in, JSON out for programs; form posts from the portal get pages back.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { ChallengeRejectedError, parseChallenge, typedChallenge, type Challenge } from '../signin/challenge.ts';
import { checkLabel } from '../membership/keys.ts';
import type { GatewayError } from '../common/errors.ts';
import { BadInputError } from '../common/errors.ts';
import { signInBody } from './pages/account.ts';
import { keyCreatedBody, newKeyBody } from './pages/keys.ts';
import type { ChallengeView, SignInPurpose } from './pages/signForm.ts';
import { clearedSessionCookie, csrfToken, hashSessionToken, newSessionToken, readSessionToken, sessionCookie } from './session.ts';
import { signIn } from '../signin/signIn.ts';
import { signInFailure } from './signInOutcome.ts';
import type { SignInOutcome } from '../signin/events.ts';
import { challengeView, type Portal } from './portal.ts';
import { asPortalError, assertSameOrigin, errorStatus, optionalText, prefersJson, readFields, sendError, sendJson, type Fields } from './http.ts';

/** A challenge shown again after a failed attempt must leave the member time to sign it. */
const REUSE_MARGIN_MS = 60_000;

export function authRoutes(router: Router, portal: Portal): void {
  const { config, bus, members, sessions } = portal.deps;

  router.post('/auth/challenge', async (ctx) => {
    try {
      assertSameOrigin(ctx, config.publicUrl);
      const challenge = await portal.newChallenge(ctx);
      sendJson(ctx, 200, challengeJson(challenge));
    } catch (err) {
      sendError(ctx, asPortalError(err, bus, 'auth.challenge'));
    }
  });

  router.post('/auth/verify', async (ctx) => {
    let fields: Fields | undefined;
    let purpose: SignInPurpose = 'key';
    const started = performance.now();
    let signer: string | undefined; // once the signature checked out: later failures are still about this address
    let reported = false; // one event per attempt, even if sending the answer fails after success
    const attempt = (outcome: SignInOutcome, address?: string, variant?: string): void => {
      if (reported) return;
      reported = true;
      bus.emit({
        type: 'signin.attempt',
        purpose,
        outcome,
        ...(address === undefined ? {} : { address }),
        ...(variant === undefined ? {} : { variant }),
        durationMs: performance.now() - started,
      });
    };
    try {
      assertSameOrigin(ctx, config.publicUrl);
      fields = await readFields(ctx);
      purpose = readPurpose(fields);
      await portal.limitVerify(ctx);
      const label = purpose === 'key' ? checkLabel(optionalText(fields, 'label')) : null;
      const signedIn = await signIn(
        { message: fields.get('message'), signature: fields.get('signature'), address: fields.get('address') },
        {
          domain: portal.domain,
          nonces: portal.deps.nonces,
          now: () => new Date(portal.now()),
          admit: (address) => (purpose === 'key' ? members.admitForKey(address) : members.admitForSession(address)),
        },
      );
      const address = (signer = signedIn.address.toLowerCase());
      const variant = `${signedIn.variant.scheme}/${signedIn.variant.ending}`;
      if (purpose === 'key') {
        const created = await members.createKey(address, label);
        attempt('ok', address, variant);
        if (fields.json) sendJson(ctx, 201, portal.keyJson(created));
        else portal.sendPage(ctx, 200, { title: 'Your new key', nav: 'new-key' }, keyCreatedBody(portal.keyView(created)));
        return;
      }
      const ttlMs = config.portal.sessionTtlMs;
      const { token, hash } = newSessionToken();
      const expiresAt = new Date(portal.now() + ttlMs);
      await sessions.create(hash, address, expiresAt);
      attempt('ok', address, variant);
      ctx.set('Set-Cookie', sessionCookie(token, { secure: portal.secure, maxAgeMs: ttlMs }));
      if (fields.json) {
        sendJson(ctx, 200, { address: signedIn.address, expiresAt: expiresAt.toISOString(), csrf: csrfToken(token) });
      } else {
        ctx.status = 303;
        ctx.redirect('/account');
      }
    } catch (err) {
      const error = asPortalError(err, bus, 'auth.verify');
      const failure = signInFailure(error);
      attempt(failure.outcome, failure.address ?? signer);
      if (!fields || fields.json) sendError(ctx, error);
      else await retryPage(ctx, portal, purpose, error, fields);
    }
  });

  router.post('/auth/logout', async (ctx) => {
    try {
      assertSameOrigin(ctx, config.publicUrl);
      const token = readSessionToken(ctx.get('cookie'), portal.secure);
      if (token) await sessions.delete(hashSessionToken(token));
      ctx.set('Set-Cookie', clearedSessionCookie(portal.secure));
      if (prefersJson(ctx)) {
        sendJson(ctx, 200, { signedOut: true });
      } else {
        ctx.status = 303;
        ctx.redirect('/');
      }
    } catch (err) {
      sendError(ctx, asPortalError(err, bus, 'auth.logout'));
    }
  });
}

function challengeJson(challenge: Challenge): Record<string, unknown> {
  return {
    message: challenge.message,
    nonce: challenge.nonce,
    issuedAt: challenge.issuedAt.toISOString(),
    expiresAt: challenge.expiresAt.toISOString(),
    typedData: typedChallenge(challenge),
  };
}

function readPurpose(fields: Fields): SignInPurpose {
  const purpose = fields.get('purpose') ?? 'key';
  if (purpose !== 'key' && purpose !== 'session') throw new BadInputError('purpose must be "key" or "session".');
  return purpose;
}

/** The form again, with what went wrong, what the member typed, and a challenge still worth signing. */
async function retryPage(ctx: Context, portal: Portal, purpose: SignInPurpose, error: GatewayError, fields: Fields): Promise<void> {
  const text = (name: string) => {
    const v = fields.get(name);
    return typeof v === 'string' ? v.slice(0, 1000) : undefined;
  };
  let challenge = reusableChallenge(portal, error, fields.get('message'));
  let problem = error.message;
  if (!challenge) {
    try {
      challenge = challengeView(await portal.newChallenge(ctx));
    } catch (err) {
      problem = `${problem} ${asPortalError(err, portal.deps.bus, 'auth.challenge').message}`;
    }
  }
  const values = { signature: text('signature'), address: text('address'), label: text('label') };
  const status = errorStatus(ctx, error);
  if (purpose === 'key') portal.sendPage(ctx, status, { title: 'Get a key', nav: 'new-key' }, newKeyBody({ challenge, problem, values }));
  else portal.sendPage(ctx, status, { title: 'Sign in', nav: 'account' }, signInBody({ challenge, problem, values }));
}

/** The submitted challenge, when it is ours, unredeemed as far as this error says, and not about to expire. */
function reusableChallenge(portal: Portal, error: GatewayError, message: unknown): ChallengeView | undefined {
  if (error instanceof ChallengeRejectedError) return undefined;
  try {
    const challenge = parseChallenge(message);
    if (challenge.domain !== portal.domain || challenge.expiresAt.getTime() - portal.now() < REUSE_MARGIN_MS) return undefined;
    return challengeView(challenge);
  } catch {
    return undefined;
  }
}
