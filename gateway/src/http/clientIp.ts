// Who the client is, for per-client limits (unknown keys, sign-in attempts).
import type { Context } from 'koa';

/** The socket's peer, or the last X-Forwarded-For hop when a trusted proxy (TRUST_PROXY) sits in front. */
export function clientIp(ctx: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const hops = ctx.get('x-forwarded-for').split(',').map((s) => s.trim()).filter(Boolean);
    const last = hops[hops.length - 1];
    if (last) return last.slice(0, 64);
  }
  return ctx.socket.remoteAddress ?? 'unknown';
}
