import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { RunEventBus } from '../../core/event-bus';
import { UserError } from '../../core/user-error';
import { RunCatchUp } from './run-catch-up';

export const runRoom = (runId: string) => `run:${runId}`;

/**
 * The Socket.IO side of the live API, used by the web app. A client emits `watch` with a run id, gets
 * the run's current state as `update` events, then joins the room `run:<id>` where every later event is
 * emitted under its `type` (`update`, `run_started`, `run_finished`).
 */
@WebSocketGateway({ cors: false, serveClient: false, destroyUpgrade: false })
export class RunEventsGateway implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RunEventsGateway.name);
  private unsubscribe = () => {};

  @WebSocketServer()
  server!: Server;

  constructor(
    private readonly bus: RunEventBus,
    private readonly catchUp: RunCatchUp,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe((event) => {
      this.server?.to(runRoom(event.run_id)).emit(event.type, event);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  @SubscribeMessage('watch')
  async watch(
    @ConnectedSocket() socket: Socket,
    @MessageBody() runId: unknown,
  ): Promise<{ ok: boolean; error?: string }> {
    if (typeof runId !== 'string' || runId.length === 0 || runId.length > 64) {
      return { ok: false, error: 'watch: send the run id as a string' };
    }
    try {
      await this.catchUp.start(runId, (events) => {
        for (const event of events) socket.emit(event.type, event);
        void socket.join(runRoom(runId));
      });
      return { ok: true };
    } catch (error) {
      if (error instanceof UserError) return { ok: false, error: error.message };
      this.logger.error(`watch ${runId} failed: ${(error as Error).message}`);
      return { ok: false, error: 'Could not read the run' };
    }
  }

  @SubscribeMessage('unwatch')
  async unwatch(@ConnectedSocket() socket: Socket, @MessageBody() runId: unknown): Promise<{ ok: boolean }> {
    if (typeof runId === 'string') await socket.leave(runRoom(runId));
    return { ok: true };
  }
}
