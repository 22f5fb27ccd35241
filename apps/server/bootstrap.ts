import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Server } from 'node:http';
import { dataPaths } from '../../libs/core/paths';
import { dataFiles } from '../../libs/web/http/data-files';
import { JsonErrorsFilter } from '../../libs/web/http/json-errors.filter';
import { LocalOnly, securityHeaders } from '../../libs/web/http/local-only';
import { LocalIoAdapter } from '../../libs/web/live/local-io.adapter';
import { PlainRunSocket } from '../../libs/web/live/plain-run-socket';
import { AppModule } from './app.module';

export interface ServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host: string;
  /** Accept any Host header (the user bound a non-loopback address on purpose). Origins are still checked. */
  open?: boolean;
  /** Nest's own log lines; off in tests. */
  logger?: false | Array<'log' | 'error' | 'warn'>;
}

/** Creates the web app and API and starts listening. Used by `swapbench serve`, `npm start` and the e2e tests. */
export async function startServer(options: ServerOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    logger: options.logger ?? ['log', 'error', 'warn'],
    bodyParser: false,
  });
  app.disable('x-powered-by');
  const localOnly = new LocalOnly(options.open ?? false);
  app.use(securityHeaders);
  app.use(localOnly.middleware());
  app.useWebSocketAdapter(new LocalIoAdapter(app, localOnly));
  app.useBodyParser('json', { limit: '256kb', strict: true });
  app.useGlobalFilters(new JsonErrorsFilter());
  app.enableShutdownHooks();
  const paths = dataPaths();
  app.use('/runs', dataFiles(paths.runs));
  app.use('/datasets', dataFiles(paths.datasets));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('swapbench')
      .setDescription('Benchmark face-swapping image tools')
      .setVersion('1')
      .build(),
  );
  app.use('/api/docs', (_req: Request, res: Response) => res.json(document));

  await app.listen(options.port, options.host);
  // The plain WebSocket's upgrades bypass Express: they need the same Host and Origin checks.
  app.get(PlainRunSocket).attach(app.getHttpServer(), (req) => localOnly.refusal(req, true) === null);
  return app;
}

/** The address the app listens on, for messages and tests. */
export function serverUrl(app: INestApplication): string {
  const address = (app.getHttpServer() as Server).address();
  if (!address || typeof address === 'string') throw new Error('server is not listening on a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export const log = new Logger('swapbench');
