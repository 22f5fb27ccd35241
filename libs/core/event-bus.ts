import { Injectable, Logger } from '@nestjs/common';
import type { RunEvent } from './run-events';

export type RunEventListener = (event: RunEvent) => void;

/**
 * The one channel that run lifecycle events travel on. The runner publishes; the Socket.IO gateway, the
 * plain WebSocket, SSE and the CLI progress bar subscribe. A listener that throws is logged and skipped:
 * it can never break a run or starve the other listeners.
 */
@Injectable()
export class RunEventBus {
  private readonly logger = new Logger(RunEventBus.name);
  private readonly listeners = new Set<RunEventListener>();

  /** Adds a listener for every event of every run; returns the function that removes it. */
  subscribe(listener: RunEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: RunEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn(`A run event listener failed: ${(error as Error).message}`);
      }
    }
  }
}
