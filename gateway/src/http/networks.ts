// One served network as the HTTP routes see it: the caller that answers members' calls (cache in front of the
// node pool), and the pool's health for /status, /readyz and the portal's status table. gateway.ts builds them.
import type { Caller } from '../rpc/handler.ts';
import type { NodeStatus, PoolHead } from '../upstream/pool.ts';

export interface NetworkService {
  caller: Caller;
  status(): NodeStatus[];
  healthyCount(): number;
  head(): PoolHead | undefined;
}
