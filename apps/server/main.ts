import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { parseSettings } from '../../libs/core/config/swapbench-settings';
import { exitOnError, UserError } from '../../libs/core/user-error';
import { isLoopbackAddress, openBindNote, openBindRefusal } from '../../libs/web/http/local-only';
import { startServer, serverUrl, log } from './bootstrap';

/** `node dist/apps/server/main.js` (and `npm run dev`): the web app on 127.0.0.1:8000, or PORT/HOST. */
async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const settings = parseSettings(process.env);
  // HOST is the explicit opt-in here, as --host is for `swapbench serve`: team mode only, and then any
  // Host header is accepted (every request is signed in).
  const refusal = openBindRefusal(settings.host, settings.teamMode, 'HOST');
  if (refusal) throw new UserError(refusal);
  const open = !isLoopbackAddress(settings.host);
  if (open) log.log(openBindNote(settings.host));
  const app = await startServer({ port: settings.port, host: settings.host, open, settings });
  log.log(`swapbench is running at ${serverUrl(app)}`);
}

main().catch(exitOnError);
