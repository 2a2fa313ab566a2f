// What the JSON-RPC route says when a request is over, whatever became of it, and what the HTTP server refused
// before any route saw a request.
import type { Network } from '../common/network.ts';
import type { ClientErrorEvent } from './clientErrors.ts';

export type HttpEvent = RequestCompletedEvent | ClientErrorEvent;

export interface RequestCompletedEvent {
  type: 'request.completed';
  requestId: string;
  network: Network;
  /** The method of a single call, or 'batch'. */
  method: string;
  httpStatus: number;
  /** JSON-RPC error code of a single call's error, if any. */
  errorCode?: number;
  durationMs: number;
  memberAddress?: string;
  keyId?: string;
}
