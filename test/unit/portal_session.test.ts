// Session cookies and CSRF tokens: flags, the __Host- name over https, strict reading of the Cookie header.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  clearedSessionCookie,
  csrfToken,
  csrfTokenMatches,
  hashSessionToken,
  newSessionToken,
  readSessionToken,
  sessionCookie,
} from '../../gateway/src/portal/session.ts';

test('a session token is 32 random bytes in base64url and is stored only as its SHA-256', () => {
  const a = newSessionToken();
  const b = newSessionToken();
  assert.match(a.token, /^[A-Za-z0-9_-]{43}$/);
  assert.is.not(a.token, b.token);
  assert.is(a.hash, hashSessionToken(a.token));
  assert.match(a.hash, /^[0-9a-f]{64}$/);
  assert.not.ok(a.hash.includes(a.token));
});

test('over http the cookie is HttpOnly, SameSite=Strict, expiring, for the whole site, without Secure', () => {
  const cookie = sessionCookie('t'.repeat(43), { secure: false, maxAgeMs: 12 * 3_600_000 });
  const parts = cookie.split('; ');
  assert.is(parts[0], `gw_session=${'t'.repeat(43)}`);
  assert.ok(parts.includes('HttpOnly'));
  assert.ok(parts.includes('SameSite=Strict'));
  assert.ok(parts.includes('Path=/'));
  assert.ok(parts.includes('Max-Age=43200'));
  assert.not.ok(parts.includes('Secure'));
});

test('over https the cookie is Secure and named __Host- so no subdomain can plant it', () => {
  const cookie = sessionCookie('t'.repeat(43), { secure: true, maxAgeMs: 60_000 });
  assert.ok(cookie.startsWith('__Host-gw_session='));
  assert.ok(cookie.split('; ').includes('Secure'));
  assert.not.match(cookie, /Domain=/i);
  assert.match(clearedSessionCookie(true), /^__Host-gw_session=; .*Max-Age=0; Secure$/);
});

test('the token is read only from the right cookie name and only when well formed', () => {
  const token = newSessionToken().token;
  assert.is(readSessionToken(`a=b; gw_session=${token}; c=d`, false), token);
  assert.is(readSessionToken(`gw_session=${token}`, true), undefined, 'https expects the __Host- name');
  assert.is(readSessionToken(`__Host-gw_session=${token}`, true), token);
  for (const bad of [undefined, '', 'gw_session=', "gw_session=' OR 1=1 --", `gw_session=${token}x`, `xgw_session=${token}`, `gw_session=<script>${token.slice(8)}`, 'x'.repeat(9000)]) {
    assert.is(readSessionToken(bad, false), undefined, `accepted ${String(bad).slice(0, 40)}`);
  }
});

test('a CSRF token belongs to one session and is checked in constant time, refusing anything else', () => {
  const a = newSessionToken().token;
  const b = newSessionToken().token;
  assert.ok(csrfTokenMatches(a, csrfToken(a)));
  assert.not.ok(csrfTokenMatches(a, csrfToken(b)));
  assert.is.not(csrfToken(a), a, 'the CSRF token does not reveal the session token');
  for (const bad of [undefined, null, 42, '', 'é'.repeat(43), csrfToken(a).slice(1), [csrfToken(a)]]) assert.not.ok(csrfTokenMatches(a, bad));
});

test.run();
