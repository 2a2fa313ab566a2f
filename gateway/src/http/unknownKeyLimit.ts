// Each unknown key costs a database query, so a client (by IP) that keeps sending them is refused before the
// look-up, with Retry-After. A key the resolver already holds as valid is never limited, even from that address.
import type { ClientLimiter } from '../common/rateLimit.ts';
import type { AccessEvent } from '../access/events.ts';
import type { Emitter } from '../common/bus.ts';
import { deny, keyHash, type AccessCheck } from './apiKey.ts';
import { clientIp } from './clientIp.ts';
import { setHeader } from './respond.ts';
import type { RpcStep } from './rpcState.ts';

// The limiter may be shared by the replicas (counted in PostgreSQL): it is asked only for keys not already held
// as valid, and a take is awaited so the next request from the client sees it.
export function unknownKeyLimit(limiter: ClientLimiter, access: AccessCheck, bus: Emitter<AccessEvent>, trustProxy: boolean): RpcStep {
  return async (x, next) => {
    const client = clientIp(x.req, trustProxy);
    if (!access.knownValid(x.key, keyHash(x))) {
      const waitMs = await limiter.wait(client);
      if (waitMs > 0) {
        setHeader(x, 'Retry-After', String(Math.ceil(waitMs / 1000)));
        return deny(x, bus, 'unknown_key_rate');
      }
    }
    await next();
    if (x.state.request.denied === 'unknown_key') await limiter.take(client);
  };
}
