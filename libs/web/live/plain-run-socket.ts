import { Injectable, Logger, BeforeApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { UserError } from '../../core/user-error';
import { RunCatchUp } from './run-catch-up';

const PATH = /^\/api\/run\/([^/?#]{1,64})\/?(?:\?.*)?$/;

/**
 * The plain WebSocket of the API contract: `WS /api/run/{id}` sends the run's events as JSON text
 * frames, the current state of every item first. Unknown runs get one `{type:"error"}` frame and a
 * close with code 4404. Socket.IO answers upgrades under `/socket.io/`; any other path gets a 404.
 */
@Injectable()
export class PlainRunSocket implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PlainRunSocket.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  constructor(private readonly catchUp: RunCatchUp) {}

  /**
   * Answers the upgrades of `server`. `acceptOrigin` is the Host and Origin check; `signedIn` (team mode)
   * says why a handshake without a valid session or token is refused, or null to let it in.
   */
  attach(
    server: Server,
    acceptOrigin: (req: IncomingMessage) => boolean = () => true,
    signedIn: (req: IncomingMessage) => Promise<string | null> = () => Promise.resolve(null),
  ): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = req.url ?? '';
      // Socket.IO answers its own upgrades. Any other path is refused here: an upgrade nobody answers
      // holds its connection open forever, and open connections keep the server from shutting down.
      if (url.startsWith('/socket.io/')) return;
      const match = PATH.exec(url);
      if (!match) {
        socket.end(
          'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{"error":"no WebSocket at this path; use /api/run/{id}"}',
        );
        return;
      }
      if (!acceptOrigin(req)) {
        socket.end(
          'HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n{"error":"origin not allowed"}',
        );
        return;
      }
      // Decoded before the upgrade: a malformed escape (`%ff`) thrown inside the upgrade callback was an
      // uncaught exception that took the whole server down.
      let runId: string;
      try {
        runId = decodeURIComponent(match[1]);
      } catch {
        socket.end(
          'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{"error":"malformed run id in the path"}',
        );
        return;
      }
      signedIn(req).then(
        (refusal) => {
          if (refusal !== null) {
            socket.end(
              `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ error: refusal })}`,
            );
            return;
          }
          this.wss.handleUpgrade(req, socket, head, (ws) => void this.serve(ws, runId));
        },
        () => socket.destroy(),
      );
    });
  }

  private async serve(ws: WebSocket, runId: string): Promise<void> {
    ws.on('error', () => ws.terminate());
    try {
      const stop = await this.catchUp.follow(runId, (event) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
      });
      ws.on('close', stop);
      if (ws.readyState !== ws.OPEN) stop();
    } catch (error) {
      const message = error instanceof UserError ? error.message : 'Could not read the run';
      if (!(error instanceof UserError)) this.logger.error(`WS ${runId}: ${(error as Error).message}`);
      ws.send(JSON.stringify({ type: 'error', error: message }));
      ws.close(error instanceof UserError && error.status === 404 ? 4404 : 1011, message.slice(0, 120));
    }
  }

  /** Before the HTTP server closes: an open WebSocket would keep it from closing. */
  beforeApplicationShutdown(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}
