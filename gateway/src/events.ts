// The one seam between the request path and everything that observes it (telemetry, usage, tests). Each folder
// declares the events it emits in its own events.ts and emits them through an Emitter (common/bus.ts); this
// file composes them into the gateway's one bus. Modules never import OpenTelemetry or a logger.
import type { AccessEvent } from './access/events.ts';
import type { CacheEvent } from './cache/events.ts';
import { TypedBus, type InternalErrorEvent } from './common/bus.ts';
import type { HttpEvent } from './http/events.ts';
import type { OrchestratorsEvent } from './orchestrators/events.ts';
import type { RpcEvent } from './rpc/events.ts';
import type { SignInEvent } from './signin/events.ts';
import type { StoreErrorEvent } from './store/events.ts';
import type { UpstreamEvent } from './upstream/events.ts';

export type GatewayEvent =
  | HttpEvent
  | RpcEvent
  | AccessEvent
  | CacheEvent
  | UpstreamEvent
  | SignInEvent
  | OrchestratorsEvent
  | StoreErrorEvent
  | InternalErrorEvent;

export type EventType = GatewayEvent['type'];
export type EventOf<T extends EventType> = Extract<GatewayEvent, { type: T }>;
export type Listener<T extends EventType> = (event: EventOf<T>) => void;

/** The gateway's bus: every folder's events. */
export class EventBus extends TypedBus<GatewayEvent> {}
