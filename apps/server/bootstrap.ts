import { Logger, type INestApplication, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { IncomingMessage, Server } from 'node:http';
import { withSettings } from '../../libs/core/config/settings.module';
import type { SwapbenchSettings } from '../../libs/core/config/swapbench-settings';
import { SharedFiles } from '../../libs/database/shared-files';
import { AccountsService } from '../../libs/accounts/accounts.service';
import { AccountGate } from '../../libs/web/http/account-gate';
import { dataFiles } from '../../libs/web/http/data-files';
import { JsonErrorsFilter } from '../../libs/web/http/json-errors.filter';
import { LocalOnly, securityHeaders } from '../../libs/web/http/local-only';
import { LocalIoAdapter } from '../../libs/web/live/local-io.adapter';
import { PlainRunSocket } from '../../libs/web/live/plain-run-socket';
import { SiteController } from '../../libs/web/site/site.controller';
import { AppModule } from './app.module';

export interface ServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host: string;
  /**
   * Accept any Host header (the user bound a non-loopback address on purpose; always so in team mode,
   * where every request must be signed in). Origins are still checked.
   */
  open?: boolean;
  /** Nest's own log lines; off in tests. */
  logger?: false | LogLevel[] | LoggerService;
  /** The folders and files the app works on, parsed once by the entry point (or built by a test). */
  settings: SwapbenchSettings;
  /** Work on the created app before it listens (`serve --demo` writes the demo cases). */
  prepare?: (app: INestApplication) => Promise<void>;
}

/**
 * Creates the web app and API and starts listening: the process's one Nest application. Used by
 * `swapbench serve`, `node dist/apps/server/main.js` and the e2e tests. A failure while the modules start
 * (an unusable runs folder, a broken config file) rejects, so the entry point can report it.
 */
export async function startServer(options: ServerOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(withSettings(AppModule, options.settings), {
    logger: options.logger ?? ['log', 'error', 'warn'],
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  const { teamMode } = options.settings;
  const localOnly = new LocalOnly((options.open ?? false) || teamMode);
  app.use(securityHeaders);
  app.use(localOnly.middleware());
  // Team mode: accounts (docs/team.md). A reverse proxy on this machine may say the request came over TLS.
  const gate = teamMode
    ? new AccountGate(app.get(AccountsService), (res) => app.get(SiteController).sendLoginPage(res))
    : null;
  if (gate) {
    app.set('trust proxy', 'loopback');
    app.use(gate.middleware());
  }
  const signedIn = async (req: IncomingMessage) => {
    const outcome = gate ? await gate.check(req) : { account: null };
    return 'refusal' in outcome ? outcome.refusal.error : null;
  };
  app.useWebSocketAdapter(new LocalIoAdapter(app, localOnly, async (req) => (await signedIn(req)) === null));
  app.useBodyParser('json', { limit: '256kb', strict: true });
  app.useGlobalFilters(new JsonErrorsFilter());
  app.enableShutdownHooks();
  const shared = app.get(SharedFiles);
  app.use(
    '/runs',
    dataFiles(options.settings.runs, (path) => shared.fetch('runs', path)),
  );
  app.use(
    '/datasets',
    dataFiles(options.settings.datasets, (path) => shared.fetch('datasets', path)),
  );

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('swapbench')
      .setDescription('Benchmark face-swapping image tools')
      .setVersion('1')
      .build(),
  );
  app.use('/api/docs', (_req: Request, res: Response) => res.json(document));

  if (options.prepare) await options.prepare(app);
  await app.listen(options.port, options.host);
  // The plain WebSocket's upgrades bypass Express: they need the same Host and Origin checks.
  app
    .get(PlainRunSocket)
    .attach(app.getHttpServer(), (req) => localOnly.refusal(req, true) === null, signedIn);
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
