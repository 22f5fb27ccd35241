import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { startServer, serverUrl, log } from './bootstrap';

/** `node dist/apps/server/main.js` (and `npm run dev`): the web app on 127.0.0.1:8000, or PORT/HOST. */
async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const app = await startServer({
    port: Number(process.env.PORT ?? 8000),
    host: process.env.HOST ?? '127.0.0.1',
  });
  log.log(`swapbench is running at ${serverUrl(app)}`);
}

void main();
