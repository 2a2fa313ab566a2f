// A viem transport that calls a network's caller (cache + node pool) in-process: the chain source reads the
// BondingManager through the gateway's own nodes, with no HTTP hop and no API key.
import { randomUUID } from 'node:crypto';
import { custom, type Transport } from 'viem';
import { RpcError, UpstreamUnavailableError } from '../rpc/errors.ts';
import type { Caller } from '../rpc/handler.ts';

/** A node's JSON-RPC error, carried to viem with its code and data so it can decode reverts. */
export class NodeRpcError extends RpcError {
  override readonly name = 'NodeRpcError';
}

/** `caller` undefined (no nodes configured for the network) makes every request fail with a clear reason. */
export function callerTransport(caller: Caller | undefined, options: { label: string }): Transport {
  return custom(
    {
      async request({ method, params }: { method: string; params?: unknown }): Promise<unknown> {
        if (!caller) throw new UpstreamUnavailableError(`no ${options.label} nodes are configured`);
        // One id per call, prefixed so logs tell these reads from members' requests.
        const outcome = await caller.call(method, params ?? [], { requestId: `${options.label}-${randomUUID()}` });
        if (outcome.kind === 'result') return outcome.value;
        throw new NodeRpcError(outcome.error.code, 'invalid', outcome.error.message, { data: outcome.error.data });
      },
    },
    // The pool already retries and fails over; viem retrying on top would multiply the attempts.
    { retryCount: 0, name: `gateway ${options.label}` },
  );
}
