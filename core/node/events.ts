import { EventEmitter } from 'node:events';
import type { EventName, QuantEvents } from '../common/api';

/** The services' event bus; transports forward everything on it to their clients. */
export class EventBus {
  private readonly ee = new EventEmitter();

  constructor() {
    this.ee.setMaxListeners(0);
  }

  /** Publishes an event. */
  emit<E extends EventName>(event: E, payload: QuantEvents[E]): void {
    this.ee.emit('event', event, payload);
  }

  /** Receives every event; returns an unsubscribe function. */
  onAny(listener: (event: EventName, payload: unknown) => void): () => void {
    this.ee.on('event', listener);
    return () => this.ee.off('event', listener);
  }
}
