// What the portal's routes share: its dependencies, the abuse bounds, sessions from cookies, challenges,
// and pages in the common frame. One instance per app: no state outlives the gateway that made it.
import type { Context } from 'koa';
import { getAddress } from 'viem';
import { issueChallenge, typedChallengeJson, type Challenge, type NonceStore } from '../signin/challenge.ts';
import type { CreatedKey } from '../membership/keys.ts';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import { systemClock, type Clock } from '../common/clock.ts';
import type { SignInEvent } from '../signin/events.ts';
import type { StoreErrorEvent } from '../store/events.ts';
import type { Network } from '../common/network.ts';
import { RateLimitedError } from './errors.ts';
import type { Html } from './pages/html.ts';
import { page, type NavItem } from './pages/layout.ts';
import type { PortalMembers } from './members.ts';
import type { CreatedKeyView } from './pages/keys.ts';
import type { ChallengeView } from './pages/signForm.ts';
import { RateLimiter, type ClientLimiter, type RateLimitOptions } from '../common/rateLimit.ts';
import { csrfToken, hashSessionToken, readSessionToken } from './session.ts';
import type { SessionRecord } from '../store/sessions.ts';
import { clientIp } from '../http/clientIp.ts';
import type { NetworkService } from '../http/networks.ts';
import type { PortalConfig } from './config.ts';
import { sendPage } from './http.ts';

/** The session table as the portal uses it (store/sessions.ts SessionRepo). */
export interface SessionStore {
  create(tokenHash: string, memberAddress: string, expiresAt: Date): Promise<void>;
  find(tokenHash: string): Promise<SessionRecord | null>;
  delete(tokenHash: string): Promise<void>;
}

export interface PortalDeps {
  config: { publicUrl: string; portal: PortalConfig };
  bus: Emitter<SignInEvent | StoreErrorEvent | InternalErrorEvent>;
  networks: Partial<Record<Network, NetworkService>>;
  nonces: NonceStore;
  sessions: SessionStore;
  members: PortalMembers;
  /** Decides challenge and session lifetimes; the system clock unless a test moves it. */
  now?: Clock;
  /** Builds each sign-in limit: this process's buckets unless given (replicas share theirs in PostgreSQL). */
  limiter?: (scope: string, options: RateLimitOptions) => ClientLimiter;
}

export interface Session {
  /** Lower-case, as stored. */
  address: string;
  token: string;
  csrf: string;
}

export const NETWORK_TITLES: Record<Network, string> = { l2: 'Arbitrum One', l1: 'Ethereum' };

export class Portal {
  /** host[:port] of PUBLIC_URL: what challenges name and sign-ins must match. */
  readonly domain: string;
  /** Cookies get Secure (and the __Host- name) when members reach us over https. */
  readonly secure: boolean;
  /** The networks this gateway serves, /l2 first: one URL, status row and usage column each. */
  readonly networks: Network[];
  readonly now: Clock;
  private readonly perClient: ClientLimiter;
  private readonly everyone: ClientLimiter;
  private readonly verifies: ClientLimiter;

  constructor(readonly deps: PortalDeps) {
    this.now = deps.now ?? systemClock;
    const url = new URL(deps.config.publicUrl);
    this.domain = url.host;
    this.secure = url.protocol === 'https:';
    this.networks = (['l2', 'l1'] as const).filter((n) => deps.networks[n] !== undefined);
    const p = deps.config.portal;
    const limiter = deps.limiter ?? ((_scope: string, options: RateLimitOptions) => new RateLimiter(options));
    this.perClient = limiter('auth_challenge', { perMinute: p.authPerMinute, burst: p.authBurst });
    this.everyone = limiter('auth_challenge_all', { perMinute: p.authGlobalPerMinute, burst: p.authGlobalPerMinute, maxClients: 1 });
    // Verifying costs a few signature recoveries and a query or two: allow more than challenges, still bounded.
    this.verifies = limiter('auth_verify', { perMinute: p.authPerMinute * 3, burst: p.authBurst * 2 });
  }

  /** A new challenge for this client, recorded as issued; RateLimitedError past the client's or everyone's bound. */
  async newChallenge(ctx: Context): Promise<Challenge> {
    await this.limit(this.perClient, ctx);
    const wait = await this.everyone.take('*');
    if (wait > 0) throw new RateLimitedError(Math.ceil(wait / 1000));
    return issueChallenge(this.deps.nonces, this.domain, new Date(this.now()), { ttlMs: this.deps.config.portal.challengeTtlMs });
  }

  limitVerify(ctx: Context): Promise<void> {
    return this.limit(this.verifies, ctx);
  }

  /** The signed-in member, if the cookie names a live session. */
  async session(ctx: Context): Promise<Session | undefined> {
    const token = readSessionToken(ctx.get('cookie'), this.secure);
    if (!token) return undefined;
    const record = await this.deps.sessions.find(hashSessionToken(token));
    return record ? { address: record.memberAddress, token, csrf: csrfToken(token) } : undefined;
  }

  sendPage(ctx: Context, status: number, options: { title: string; nav?: NavItem; session?: Session }, body: Html): void {
    const session = options.session ? { address: getAddress(options.session.address), csrf: options.session.csrf } : undefined;
    sendPage(ctx, status, page({ title: options.title, nav: options.nav, operator: this.deps.config.portal.operator, session }, body));
  }

  /** The member URLs of a key, one per network served. */
  urls(key: string): CreatedKeyView['urls'] {
    return this.networks.map((n) => ({ path: n, title: NETWORK_TITLES[n], url: `${this.deps.config.publicUrl}/api/${key}/${n}` }));
  }

  keyView(created: CreatedKey): CreatedKeyView {
    return { key: created.key, prefix: created.prefix, label: created.label, address: getAddress(created.memberAddress), urls: this.urls(created.key) };
  }

  /** What an API client gets for a new key: the key once, and ready-made URLs. */
  keyJson(created: CreatedKey): Record<string, unknown> {
    return {
      key: created.key,
      id: created.id,
      prefix: created.prefix,
      label: created.label,
      address: getAddress(created.memberAddress),
      createdAt: created.createdAt,
      urls: Object.fromEntries(this.urls(created.key).map((u) => [u.path, u.url])),
    };
  }

  private async limit(limiter: ClientLimiter, ctx: Context): Promise<void> {
    const wait = await limiter.take(clientIp(ctx.req, this.deps.config.portal.trustProxy));
    if (wait > 0) throw new RateLimitedError(Math.ceil(wait / 1000));
  }
}

export function challengeView(challenge: Challenge): ChallengeView {
  return { message: challenge.message, typedDataJson: typedChallengeJson(challenge), expiresAt: challenge.expiresAt };
}
