// Events about secrets and manifests, fanned out to `agent exec --watch` streams. Each event has a
// sequence number, and the last ones are kept, so that a stream opened after a ResolveEnv can be given
// what happened since that resolve began: a change in between would otherwise never reach it.
import { EventEmitter } from 'node:events';

export type SecretEventKind = 'changed' | 'removed' | 'expired' | 'manifest-changed' | 'manifest-approved' | 'manifest-denied';

/** One event; names a secret or a manifest, never a value. */
export interface SecretEvent {
  kind: SecretEventKind;
  secret?: string;
  manifest?: string;
}

/** How many past events are kept for a late subscriber. */
export const EVENT_HISTORY = 1024;

/** A typed emitter of SecretEvents, numbered from 1. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly history: Array<{ seq: number; event: SecretEvent }> = [];
  private last = 0;

  constructor(private readonly keep = EVENT_HISTORY) {
    this.emitter.setMaxListeners(0);
  }

  /** The number of the last event emitted (0 before the first). */
  get seq(): number {
    return this.last;
  }

  emit(event: SecretEvent): void {
    this.history.push({ seq: ++this.last, event });
    if (this.history.length > this.keep) this.history.shift();
    this.emitter.emit('event', event);
  }

  /** Subscribes; returns the function that unsubscribes. */
  subscribe(listener: (event: SecretEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /**
   * The events emitted after event number `seq`, oldest first, or undefined when some of them are no
   * longer kept (the caller then has to assume that anything changed).
   */
  since(seq: number): SecretEvent[] | undefined {
    if (seq >= this.last) return [];
    const first = this.history[0];
    if (!first || first.seq > seq + 1) return undefined;
    return this.history.filter((h) => h.seq > seq).map((h) => h.event);
  }
}
