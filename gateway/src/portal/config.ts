// Sign-in and portal settings from the environment: challenge and session lifetimes, abuse bounds, the operator.
import { DEFAULT_CHALLENGE_TTL_MS } from '../signin/challenge.ts';
import { ConfigError, envBool as bool, envInt as int, httpUrl, type Env } from '../common/env.ts';

export interface PortalConfig {
  challengeTtlMs: number;
  sessionTtlMs: number;
  /** Per client IP: challenges issued (and verifications tried) per minute, and the burst allowed. */
  authPerMinute: number;
  authBurst: number;
  /** All clients together: challenges per minute, so a crowd of addresses cannot fill the database. */
  authGlobalPerMinute: number;
  /** Take the client IP from X-Forwarded-For (last hop) because a reverse proxy terminates TLS in front. */
  trustProxy: boolean;
  operator: {
    name: string;
    url?: string;
    /** How members reach the operator (for a grant), shown as text. */
    contact?: string;
  };
}

export function loadPortalConfig(env: Env = process.env): PortalConfig {
  const operatorUrl = env.OPERATOR_URL?.trim();
  return {
    challengeTtlMs: int(env, 'CHALLENGE_TTL_MS', DEFAULT_CHALLENGE_TTL_MS, 1000, 24 * 3_600_000),
    sessionTtlMs: int(env, 'SESSION_TTL_MS', 12 * 3_600_000, 1000, 30 * 24 * 3_600_000),
    authPerMinute: int(env, 'AUTH_RATE_PER_MINUTE', 10, 1, 1_000_000),
    authBurst: int(env, 'AUTH_RATE_BURST', 20, 1, 1_000_000),
    authGlobalPerMinute: int(env, 'AUTH_RATE_GLOBAL_PER_MINUTE', 600, 1, 10_000_000),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    operator: {
      name: text(env, 'OPERATOR_NAME', 100) ?? 'Community RPC Gateway',
      url: operatorUrl ? httpUrl('OPERATOR_URL', operatorUrl) : undefined,
      contact: text(env, 'OPERATOR_CONTACT', 300),
    },
  };
}

function text(env: Env, name: string, max: number): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (raw.length > max) throw new ConfigError(name, `at most ${max} characters, got ${raw.length}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw new ConfigError(name, 'control characters are not allowed');
  return raw;
}

