// Who the client is, for per-client limits (unknown keys, sign-in attempts).
import type { IncomingMessage } from 'node:http';

/** The socket's peer, or the last X-Forwarded-For hop when a trusted proxy (TRUST_PROXY) sits in front. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
    const last = hops[hops.length - 1];
    if (last) return last.slice(0, 64);
  }
  return req.socket.remoteAddress ?? 'unknown';
}
