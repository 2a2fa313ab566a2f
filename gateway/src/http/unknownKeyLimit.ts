// Each unknown key costs a database query, so a client (by IP) that keeps sending them is refused before the
// look-up, with Retry-After. A key the resolver already holds as valid is never limited, even from that address.
import type { RateLimiter } from '../common/rateLimit.ts';
import type { AccessEvent } from '../access/events.ts';
import type { Emitter } from '../common/bus.ts';
import { deny, type AccessCheck } from './apiKey.ts';
import { clientIp } from './clientIp.ts';
import { setHeader } from './respond.ts';
import type { RpcStep } from './rpcState.ts';

export function unknownKeyLimit(limiter: RateLimiter, access: AccessCheck, bus: Emitter<AccessEvent>, trustProxy: boolean): RpcStep {
  return async (x, next) => {
    const client = clientIp(x.req, trustProxy);
    const waitMs = limiter.wait(client);
    if (waitMs > 0 && !access.knownValid(x.key)) {
      setHeader(x, 'Retry-After', String(Math.ceil(waitMs / 1000)));
      return deny(x, bus, 'unknown_key_rate');
    }
    await next();
    if (x.state.request.denied === 'unknown_key') limiter.take(client);
  };
}
