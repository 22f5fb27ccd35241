import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import sharp from 'sharp';

/** One request a fake service received, kept for tests to inspect. */
export interface HostedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, for JSON requests. */
  json: unknown;
  /** Raw body (multipart uploads). */
  body: Buffer;
  /** When it arrived (performance.now()), to check that a delay was honoured. */
  at: number;
}

/**
 * What the result URL of a finished job does when fetched: serve the image, or one of the ways a
 * signed URL goes wrong.
 */
export type ResultBehaviour = 'image' | 'expired' | 'truncated_png' | 'cut_connection' | 'hang' | 'not_image';

/**
 * The parts every fake hosted service shares: an HTTP server on 127.0.0.1 that records requests, picks a
 * scenario per request from the `[case …]` marker the test puts in the case's prompt, serves result
 * files with their failure modes, and keeps hanging connections until it closes.
 */
export abstract class FakeHostedServer<Scenario extends string> {
  readonly requests: HostedRequest[] = [];
  /** Scenario by case id; cases not listed get `ok`. */
  cases: Record<string, Scenario> = {};
  /** The PNG every successful answer carries. */
  outputImage = Buffer.alloc(0);
  private readonly results = new Map<string, ResultBehaviour>();
  private readonly seen = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private port = 0;
  private counter = 0;

  protected abstract handle(request: HostedRequest, res: ServerResponse): Promise<void> | void;

  /** Listens on a free port of 127.0.0.1. */
  async listen(): Promise<this> {
    this.outputImage = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 160 } },
    })
      .png()
      .toBuffer();
    const server = createServer((req, res) => void this.receive(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  requestsTo(method: string, pathPart: string): HostedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.includes(pathPart));
  }

  /** Answers every request of `caseId` with `scenario` from now on (a `_once` scenario starts afresh). */
  use(caseId: string, scenario: Scenario): void {
    this.cases = { [caseId]: scenario };
    this.seen.delete(caseId);
  }

  /**
   * The scenario for a request whose body holds `text`: the `[case id]` marker's entry. A scenario ending
   * in `_once` applies to the first request of its case only; later ones are `ok`.
   */
  scenarioOf(text: string): Scenario | 'ok' {
    const caseId = /\[case ([a-z0-9_-]+)\]/.exec(text)?.[1];
    const scenario = caseId ? this.cases[caseId] : undefined;
    if (!caseId || !scenario) return 'ok';
    const count = (this.seen.get(caseId) ?? 0) + 1;
    this.seen.set(caseId, count);
    return scenario.endsWith('_once') && count > 1 ? 'ok' : scenario;
  }

  /** A new id for a job or file. */
  nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter.toString(36)}${Date.now().toString(36)}`;
  }

  /**
   * A URL where the finished image is served with `behaviour`. `insecure` gives an http URL on a host
   * that is not this machine, which the tools must refuse to fetch.
   */
  resultUrl(behaviour: ResultBehaviour | 'insecure'): string {
    const token = this.nextId('r');
    if (behaviour === 'insecure') return `http://203.0.113.9/results/${token}.png`;
    this.results.set(token, behaviour);
    // A query like a signed URL's, which must never reach a message.
    return `${this.origin}/results/${token}.png?X-Signature=secret-signature-${token}`;
  }

  sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  /** A PNG cut in the middle of its pixel data: the header reads fine, decoding fails. */
  async truncatedPng(): Promise<Buffer> {
    const noise = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
    const png = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    return png.subarray(0, Math.floor(png.length / 2));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.origin);
    let json: unknown = null;
    if ((req.headers['content-type'] ?? '').startsWith('application/json') && body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = null;
      }
    }
    const request: HostedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      json,
      body,
      at: performance.now(),
    };
    this.requests.push(request);
    try {
      if (request.path.startsWith('/results/')) return await this.serveResult(request, res);
      await this.handle(request, res);
    } catch (error) {
      this.sendJson(res, 500, { detail: `fake server bug: ${(error as Error).message}` });
    }
  }

  private async serveResult(request: HostedRequest, res: ServerResponse): Promise<void> {
    const token = request.path.replace(/^\/results\//, '').replace(/\.png$/, '');
    const behaviour = this.results.get(token);
    switch (behaviour) {
      case undefined:
      case 'expired':
        // As cloud storage answers a signed URL past its expiry.
        res.writeHead(403, { 'content-type': 'application/xml' });
        return void res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      case 'hang':
        res.writeHead(200, {
          'content-type': 'image/png',
          'content-length': String(this.outputImage.length),
        });
        return; // headers, then nothing: the download's time limit must end it
      case 'cut_connection':
        res.writeHead(200, {
          'content-type': 'image/png',
          'content-length': String(this.outputImage.length),
        });
        res.write(this.outputImage.subarray(0, 20));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case 'truncated_png': {
        const png = await this.truncatedPng();
        res.writeHead(200, { 'content-type': 'image/png' });
        return void res.end(png);
      }
      case 'not_image':
        res.writeHead(200, { 'content-type': 'image/png' });
        return void res.end('<html>not an image</html>');
      case 'image':
        res.writeHead(200, { 'content-type': 'image/png' });
        return void res.end(this.outputImage);
    }
  }
}
