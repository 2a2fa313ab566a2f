// The in-process event bus, generic in its events. Each folder declares the events it emits in its own
// events.ts and takes an Emitter of just those; events.ts composes them into the gateway's one bus. So a
// module says what happened without importing who listens, and no folder depends on the union of all.

export interface BusEvent {
  type: string;
}

/** What an emitting module needs of the bus. */
export interface Emitter<E extends BusEvent> {
  emit(event: E): void;
  /** True when someone listens for this type; lets emitters skip building costly events. */
  has(type: E['type']): boolean;
}

/** Something unexpected inside the gateway; the member got -32603 or a 500. The message is free of keys. */
export interface InternalErrorEvent {
  type: 'gateway.error';
  where: string;
  message: string;
}

type Of<E extends BusEvent, T extends E['type']> = Extract<E, { type: T }>;

/**
 * A synchronous, typed event bus. A listener that throws is isolated: the error goes to `onListenerError`
 * and the emitter carries on, so an observer can never break a request.
 */
export class TypedBus<E extends BusEvent> implements Emitter<E> {
  private readonly listeners = new Map<E['type'], Array<(e: E) => void>>();
  private readonly any: Array<(e: E) => void> = [];

  constructor(private readonly onListenerError: (err: unknown, event: E) => void = () => {}) {}

  on<T extends E['type']>(type: T, listener: (event: Of<E, T>) => void): () => void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener as (e: E) => void);
    this.listeners.set(type, list);
    return () => remove(list, listener as (e: E) => void);
  }

  onAny(listener: (event: E) => void): () => void {
    this.any.push(listener);
    return () => remove(this.any, listener);
  }

  has(type: E['type']): boolean {
    return this.any.length > 0 || (this.listeners.get(type)?.length ?? 0) > 0;
  }

  emit(event: E): void {
    const list = this.listeners.get(event.type);
    if (list) for (const l of list) this.call(l, event);
    for (const l of this.any) this.call(l, event);
  }

  private call(listener: (e: E) => void, event: E): void {
    try {
      listener(event);
    } catch (err) {
      try {
        this.onListenerError(err, event);
      } catch {
        // an error reporter that throws has nowhere left to report to
      }
    }
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
