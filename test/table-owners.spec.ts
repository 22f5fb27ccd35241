import { Test, type TestingModule } from '@nestjs/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { AccountsModule } from '../libs/accounts/accounts.module';
import { AuthoringModule } from '../libs/authoring/authoring.module';
import { JudgementModule } from '../libs/judgement/judgement.module';
import { SettingsModule } from '../libs/core/config/settings.module';
import { useTempData } from './support/temp-data';

/**
 * Each module registers the tables it owns and the app loads them from there: the entities the app ends
 * up with are exactly the six tables, and their columns, nullability and foreign keys are those of the
 * tables the migrations build.
 */
describe('table owners', () => {
  const data = useTempData('owners');
  let app: TestingModule;
  let db: DataSource;

  before(async () => {
    app = await Test.createTestingModule({
      imports: [SettingsModule.forRoot(data.settings), JudgementModule, AuthoringModule, AccountsModule],
    }).compile();
    await app.init();
    db = app.get(DataSource);
  });
  after(async () => {
    await app?.close();
    data.dispose();
  });

  it('loads each owner module’s entities and no others', () => {
    assert.deepEqual(db.entityMetadatas.map((m) => m.tableName).sort(), [
      'account_sessions',
      'accounts',
      'arena_votes',
      'human_scores',
      'run_items',
      'runs',
    ]);
  });

  it('has entities whose columns and foreign keys are the migrated tables’ own', async () => {
    const runner = db.createQueryRunner();
    try {
      for (const entity of db.entityMetadatas) {
        const table = await runner.getTable(entity.tableName);
        assert.ok(table, `${entity.tableName} is migrated`);
        assert.deepEqual(
          entity.columns.map((c) => [c.databaseName, c.isNullable]).sort(),
          table.columns.map((c) => [c.name, c.isNullable]).sort(),
          entity.tableName,
        );
        // Every key an entity declares is in the table, with the same cascade (arena votes declare none).
        for (const fk of entity.foreignKeys) {
          assert.ok(
            table.foreignKeys.some(
              (k) =>
                k.columnNames[0] === fk.columnNames[0] &&
                k.referencedTableName.endsWith(fk.referencedTablePath) &&
                k.onDelete === fk.onDelete,
            ),
            `${entity.tableName}.${fk.columnNames[0]} → ${fk.referencedTablePath}`,
          );
        }
      }
    } finally {
      await runner.release();
    }
  });

  it('keeps the foreign keys the schema declares: a rating and a vote cascade with their item', () => {
    const rated = db.entityMetadatas.find((m) => m.tableName === 'human_scores');
    assert.deepEqual(
      rated?.foreignKeys.map((fk) => [fk.columnNames, fk.referencedTablePath, fk.onDelete]),
      [[['run_item_id'], 'run_items', 'CASCADE']],
    );
  });
});
