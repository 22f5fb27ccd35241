import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import type { LocalOnly } from '../http/local-only';

/** Socket.IO whose handshakes pass the same host and origin checks as HTTP requests. */
export class LocalIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly localOnly: LocalOnly,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      allowRequest: (
        req: IncomingMessage,
        callback: (err: string | null | undefined, success: boolean) => void,
      ) => callback(null, this.localOnly.refusal(req, true) === null),
    }) as Server;
  }
}
