import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { AccountSession } from './account-session.entity';
import { Account } from './account.entity';
import { AccountsService } from './accounts.service';

/**
 * Accounts of team mode (docs/team.md, Accounts): it owns the `accounts` and `account_sessions` tables.
 * The tables exist in every database; only team mode uses them.
 */
@Module({
  imports: [DatabaseModule, TypeOrmModule.forFeature([Account, AccountSession])],
  providers: [AccountsService],
  exports: [AccountsService],
})
export class AccountsModule {}
