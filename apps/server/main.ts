import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { isLoopbackAddress, openBindWarning } from '../../libs/web/http/local-only';
import { startServer, serverUrl, log } from './bootstrap';

/** `node dist/apps/server/main.js` (and `npm run dev`): the web app on 127.0.0.1:8000, or PORT/HOST. */
async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  // HOST is the explicit opt-in here, as --host is for `swapbench serve`: warn, and accept any Host header.
  const host = process.env.HOST ?? '127.0.0.1';
  const open = !isLoopbackAddress(host);
  if (open) log.warn(openBindWarning(host));
  const app = await startServer({ port: Number(process.env.PORT ?? 8000), host, open });
  log.log(`swapbench is running at ${serverUrl(app)}`);
}

void main();
