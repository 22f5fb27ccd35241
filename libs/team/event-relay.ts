import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RunEventBus } from '../core/event-bus';
import type { RunEvent } from '../core/run-events';
import { redisClient, type TeamRedis } from './redis';

interface Relayed {
  /** The process that published the event, so that it does not take its own events back. */
  from: string;
  event: RunEvent;
}

/**
 * Carries run events between the processes of a team over Redis pub/sub: a worker `send`s what its items
 * do, the server `receive`s them onto its own bus, from which the Socket.IO, WebSocket and SSE channels
 * serve them (with their usual catch-up). One connection publishes, so a process's events arrive in the
 * order it published them; `flush` resolves when everything published so far has reached Redis, and a
 * worker flushes before it hands an item on, so that the next worker's events come after.
 */
export class EventRelay {
  private readonly logger = new Logger(EventRelay.name);
  private readonly self = randomBytes(8).toString('hex');
  private readonly relayed = new WeakSet<RunEvent>();
  private readonly connections: Redis[] = [];
  private sent: Promise<unknown> = Promise.resolve();
  private stopSending?: () => void;

  constructor(
    private readonly team: TeamRedis,
    private readonly bus: RunEventBus,
  ) {}

  /** Publishes every event of this process's bus to the team, once connected. */
  async send(): Promise<void> {
    const publisher = this.connect();
    await publisher.connect();
    this.stopSending = this.bus.subscribe((event) => {
      if (this.relayed.has(event)) return;
      const message: Relayed = { from: this.self, event };
      this.sent = publisher.publish(this.channel, JSON.stringify(message)).catch((error: Error) => {
        this.logger.warn(`A run event was not sent to the team: ${error.message}`);
      });
    });
  }

  /** Puts the team's events on this process's bus. */
  async receive(): Promise<void> {
    const subscriber = this.connect();
    subscriber.on('message', (_channel: string, text: string) => {
      const { from, event } = JSON.parse(text) as Relayed;
      if (from === this.self) return;
      this.relayed.add(event);
      this.bus.publish(event);
    });
    await subscriber.subscribe(this.channel);
  }

  /** Resolves once every event published so far has reached Redis. */
  flush(): Promise<unknown> {
    return this.sent;
  }

  async close(): Promise<void> {
    this.stopSending?.();
    await this.sent;
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }

  private get channel(): string {
    return `${this.team.prefix}:events`;
  }

  private connect(): Redis {
    const connection = redisClient(this.team.url);
    connection.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    this.connections.push(connection);
    return connection;
  }
}
