import { Command, Option, SubCommand } from 'nest-commander';
import { accountNameSchema, inviteUrl, parseField, roleSchema } from '../../../libs/accounts/account-input';
import { AccountsService } from '../../../libs/accounts/accounts.service';
import { SwapbenchSettings } from '../../../libs/core/config/swapbench-settings';
import { UserError } from '../../../libs/core/user-error';
import { SwapbenchCommand } from '../swapbench-command';
import { renderTable } from '../terminal-table';
import { USERS, USERS_ADD, USERS_LIST } from './users.options';

/** Accounts live in team mode only; the single-user mode has no login (docs/team.md). */
function requireTeamMode(settings: SwapbenchSettings): void {
  if (!settings.teamMode) {
    throw new UserError(
      'Accounts exist in team mode only: set SWAPBENCH_DATABASE_URL and SWAPBENCH_REDIS_URL (docs/team.md)',
    );
  }
}

@SubCommand(USERS_ADD.command)
export class UsersAddCommand extends SwapbenchCommand {
  constructor(
    private readonly accounts: AccountsService,
    private readonly settings: SwapbenchSettings,
  ) {
    super();
  }

  async run([name]: string[], flags: { role: string; json?: boolean }): Promise<void> {
    // The input first, so a mistyped command says so in any mode.
    parseField(accountNameSchema, 'name', name);
    parseField(roleSchema, '--role', flags.role);
    requireTeamMode(this.settings);
    const created = await this.accounts.add(name, flags.role);
    const url = inviteUrl(
      this.settings.publicUrl ?? `http://localhost:${this.settings.port}`,
      created.invite,
    );
    if (flags.json) {
      const result = { name: created.name, role: created.role, invite: created.invite, url };
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    process.stdout.write(
      `Created ${created.role} ${created.name}. Send them this link; it works once, until ` +
        `${created.invite_expires_at.slice(0, 10)}, and is not shown again:\n${url}\n`,
    );
  }

  @Option({ ...USERS_ADD.options.role, required: true })
  parseRole(value: string): string {
    return value;
  }

  @Option(USERS_ADD.options.json)
  parseJson(): boolean {
    return true;
  }
}

@SubCommand(USERS_LIST.command)
export class UsersListCommand extends SwapbenchCommand {
  constructor(
    private readonly accounts: AccountsService,
    private readonly settings: SwapbenchSettings,
  ) {
    super();
  }

  async run(_args: string[], flags: { json?: boolean }): Promise<void> {
    requireTeamMode(this.settings);
    const accounts = await this.accounts.list();
    if (flags.json) {
      process.stdout.write(JSON.stringify(accounts, null, 2) + '\n');
      return;
    }
    if (accounts.length === 0) {
      process.stdout.write('No accounts yet. Create one with `swapbench users add <name> --role admin`.\n');
      return;
    }
    const rows = accounts.map((a) => [
      a.name,
      a.role,
      a.password_set ? 'set' : '',
      a.invite_pending ? 'pending' : '',
      String(a.signed_in),
      a.created_at.slice(0, 10),
    ]);
    process.stdout.write(
      `${renderTable(['name', 'role', 'password', 'invite', 'sessions', 'created'], rows)}\n`,
    );
  }

  @Option(USERS_LIST.options.json)
  parseJson(): boolean {
    return true;
  }
}

@Command({ ...USERS.command, subCommands: [UsersAddCommand, UsersListCommand] })
export class UsersCommand extends SwapbenchCommand {
  async run(): Promise<void> {
    this.command.help();
  }
}
