// The portal and sign-in routes as one router for app.ts to mount, and the database side they run on.
import Router from '@koa/router';
import type { KeyChangeAnnouncer } from '../access/membership.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../events.ts';
import { PortalMemberService } from '../portal/memberService.ts';
import type { Database } from '../store/db.ts';
import { describeDbError } from '../store/errors.ts';
import { PgNonceStore } from '../store/nonces.ts';
import { SessionRepo } from '../store/sessions.ts';
import { authRoutes } from './authRoutes.ts';
import { Portal, type PortalDeps } from './portal.ts';
import { portalRoutes } from './portalRoutes.ts';

export function createPortalRouter(deps: PortalDeps): Router {
  const router = new Router();
  const portal = new Portal(deps);
  authRoutes(router, portal);
  portalRoutes(router, portal);
  return router;
}

/** Nonces, sessions and members in the shared database, so every replica agrees on them. */
export function portalStores(
  database: Database,
  config: Config,
  bus: EventBus,
  announce: KeyChangeAnnouncer,
): Pick<PortalDeps, 'nonces' | 'sessions' | 'members'> {
  const onSweepError = (err: unknown) => bus.emit({ type: 'store.error', operation: 'portal_sweep', message: describeDbError(err) });
  return {
    nonces: new PgNonceStore(database.db, { onSweepError }),
    sessions: new SessionRepo(database.db, { onSweepError }),
    members: new PortalMemberService(database, { operator: config.portal.operator, maxKeysPerMember: config.membership.maxKeysPerMember, announce }),
  };
}
