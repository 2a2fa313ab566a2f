// The portal and sign-in routes as one router, for app.ts to mount.
import Router from '@koa/router';
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
