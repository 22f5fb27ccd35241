import { Command, Option, SubCommand } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { DB_COMMAND, DB_MIGRATE_COMMAND, DB_MIGRATE_OPTIONS } from './db.options';

/**
 * `db migrate` in the CLI's command tree, for `swapbench db --help` only: `apps/cli/main.ts` sends
 * `db migrate` to the database door (`db-door.ts`) before any container exists.
 */
@SubCommand(DB_MIGRATE_COMMAND)
export class DbMigrateCommand extends SwapbenchCommand {
  run(): Promise<void> {
    return Promise.reject(new Error('`db migrate` runs from the database door in apps/cli/main.ts'));
  }

  @Option(DB_MIGRATE_OPTIONS.json)
  parseJson(): boolean {
    return true;
  }
}

@Command({ ...DB_COMMAND, subCommands: [DbMigrateCommand] })
export class DbCommand extends SwapbenchCommand {
  async run(): Promise<void> {
    this.command.help();
  }
}
