// Session cookies: a random token in an HttpOnly, SameSite=Strict cookie; the database keeps only its hash.
// The CSRF token of a session is derived from the session token, so forms need no extra state.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface SessionCookieOptions {
  /** Secure (and the __Host- name) when the portal is served over https. */
  secure: boolean;
  maxAgeMs: number;
}

export function newSessionToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashSessionToken(token) };
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function sessionCookieName(secure: boolean): string {
  // __Host- makes the browser refuse the cookie unless Secure, Path=/ and no Domain: it cannot be planted by a subdomain.
  return secure ? '__Host-gw_session' : 'gw_session';
}

export function sessionCookie(token: string, options: SessionCookieOptions): string {
  const attrs = [`${sessionCookieName(options.secure)}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(options.maxAgeMs / 1000)}`];
  if (options.secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return `${sessionCookieName(secure)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** The session token from a Cookie header, if one is there and well formed; anything else is ignored. */
export function readSessionToken(cookieHeader: string | undefined, secure: boolean): string | undefined {
  if (!cookieHeader || cookieHeader.length > 8192) return undefined;
  const name = sessionCookieName(secure);
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (TOKEN.test(value)) return value;
  }
  return undefined;
}

/** The token forms of this session carry; knowing it requires the cookie, which other sites cannot read. */
export function csrfToken(sessionToken: string): string {
  return createHash('sha256').update(`csrf\0${sessionToken}`, 'utf8').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfToken(sessionToken));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
