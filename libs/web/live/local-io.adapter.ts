import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import type { LocalOnly } from '../http/local-only';

/**
 * Socket.IO whose handshakes pass the same host and origin checks as HTTP requests, and in team mode the
 * same sign-in check (`admitted`: the session cookie or bearer token of the handshake).
 */
export class LocalIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly localOnly: LocalOnly,
    private readonly admitted: (req: IncomingMessage) => Promise<boolean> = () => Promise.resolve(true),
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      allowRequest: (
        req: IncomingMessage,
        callback: (err: string | null | undefined, success: boolean) => void,
      ) => {
        if (this.localOnly.refusal(req, true) !== null) return callback(null, false);
        this.admitted(req).then(
          (yes) => callback(null, yes),
          () => callback(null, false),
        );
      },
    }) as Server;
  }
}
