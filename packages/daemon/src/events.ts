// Events about secrets and manifests, fanned out to `agent exec --watch` streams.
import { EventEmitter } from 'node:events';

export type SecretEventKind = 'changed' | 'removed' | 'expired' | 'manifest-changed' | 'manifest-approved' | 'manifest-denied';

/** One event; names a secret or a manifest, never a value. */
export interface SecretEvent {
  kind: SecretEventKind;
  secret?: string;
  manifest?: string;
}

/** A typed emitter of SecretEvents. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(event: SecretEvent): void {
    this.emitter.emit('event', event);
  }

  /** Subscribes; returns the function that unsubscribes. */
  subscribe(listener: (event: SecretEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
