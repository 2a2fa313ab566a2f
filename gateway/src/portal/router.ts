// The portal and sign-in routes as one router; gateway.ts builds the stores it runs on and mounts it.
import Router from '@koa/router';
import { authRoutes } from './authRoutes.ts';
import { Portal, type PortalDeps } from './portal.ts';
import { portalRoutes } from './pageRoutes.ts';

export function createPortalRouter(deps: PortalDeps): Router {
  const router = new Router();
  const portal = new Portal(deps);
  authRoutes(router, portal);
  portalRoutes(router, portal);
  return router;
}
