import { Injectable } from '@nestjs/common';
import { RunEventBus } from '../../core/event-bus';
import type { RunEvent } from '../../core/run-events';
import { eventFields } from '../../runs/run-views';
import { RunsService } from '../../runs/runs.service';

/**
 * Brings a new watcher of a run up to date: one `update` per item with its current state, then every
 * event that happened while that state was read. `ready` receives them synchronously, in the same tick
 * as the bus listener is removed, so the caller can start live delivery without a gap or a reordering.
 */
@Injectable()
export class RunCatchUp {
  constructor(
    private readonly runs: RunsService,
    private readonly bus: RunEventBus,
  ) {}

  async start(runId: string, ready: (events: RunEvent[]) => void): Promise<void> {
    const buffered: RunEvent[] = [];
    const unsubscribe = this.bus.subscribe((event) => {
      if (event.run_id === runId) buffered.push(event);
    });
    try {
      const detail = await this.runs.detail(runId);
      const snapshot: RunEvent[] = detail.items.map((item) => ({
        type: 'update',
        ...eventFields(item),
        progress: detail.progress,
      }));
      if (detail.status !== 'running') {
        snapshot.push({
          type: 'run_finished',
          run_id: runId,
          status: detail.status,
          progress: detail.progress,
        });
      }
      unsubscribe();
      ready([...snapshot, ...buffered]);
    } finally {
      unsubscribe();
    }
  }

  /** Subscribes `send` to a run's events after catching up; returns the function that stops it. */
  async follow(runId: string, send: (event: RunEvent) => void): Promise<() => void> {
    let stop = () => {};
    await this.start(runId, (events) => {
      for (const event of events) send(event);
      stop = this.bus.subscribe((event) => {
        if (event.run_id === runId) send(event);
      });
    });
    return () => stop();
  }
}
