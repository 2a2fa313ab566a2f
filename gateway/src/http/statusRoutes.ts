// The operator's endpoints: liveness, readiness (the database answers and every network has a node in
// rotation), and /status with each network's head and nodes. Node names only: never a URL.
import Router from '@koa/router';
import type { Network } from '../common/network.ts';
import type { NetworkService } from './networks.ts';

export interface StatusRouteOptions {
  networks: Partial<Record<Network, NetworkService>>;
  database: { ping(): Promise<boolean>; kind: string };
  version: string;
  /** While draining, /readyz says not ready at once, so a load balancer stops sending. */
  draining?: () => boolean;
}

export function statusRouter(o: StatusRouteOptions): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const problems: string[] = [];
    if (o.draining?.()) problems.push('draining: shutting down');
    const dbOk = await o.database.ping().catch(() => false);
    if (!dbOk) problems.push('database unreachable');
    for (const [network, service] of Object.entries(o.networks)) {
      if (service.healthyCount() === 0) problems.push(`${network}: no healthy node`);
    }
    ctx.status = problems.length ? 503 : 200;
    ctx.body = { ready: problems.length === 0, problems };
  });

  router.get('/status', (ctx) => {
    const networks: Record<string, unknown> = {};
    for (const [network, service] of Object.entries(o.networks)) {
      const head = service.head();
      networks[network] = {
        healthyNodes: service.healthyCount(),
        head: head?.number ?? null,
        finalized: head?.finalized ?? null,
        nodes: service.status(),
      };
    }
    ctx.body = { version: o.version, database: o.database.kind, networks };
  });
  return router;
}
