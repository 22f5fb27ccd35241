import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeTempData } from '../../test/support/fixtures';
import { UserError } from '../core/user-error';
import { sameCaseFiles, writeCaseFolder, type CaseFiles } from './case-folder.writer';

const data = makeTempData('writer');
after(() => data.cleanup());

const files = (text: string): CaseFiles =>
  new Map([
    ['case.json', Buffer.from(text)],
    ['avatars/a.png', Buffer.from('a')],
  ]);

describe('case folder writer', () => {
  test('writes every file, then replaces or refuses an existing case', async () => {
    const target = join(data.datasets, 'one');
    await writeCaseFolder(target, files('v1'), 'refuse');
    assert.equal(readFileSync(join(target, 'case.json'), 'utf8'), 'v1');
    assert.equal(await sameCaseFiles(target, files('v1')), true);
    await assert.rejects(writeCaseFolder(target, files('v2'), 'refuse'), (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.equal(error.status, 409);
      assert.match(error.message, /"one" already exists/);
      return true;
    });
    assert.equal(readFileSync(join(target, 'case.json'), 'utf8'), 'v1', 'a refused write changes nothing');
    await writeCaseFolder(target, files('v2'), 'replace');
    assert.equal(readFileSync(join(target, 'case.json'), 'utf8'), 'v2');
    assert.deepEqual(readdirSync(data.datasets), ['one'], 'no temp or old folder is left');
  });

  test('a write that fails half way leaves nothing behind', async () => {
    const broken: CaseFiles = new Map([
      ['case.json', Buffer.from('{}')],
      ['avatars/bad\0name.png', Buffer.from('x')],
    ]);
    await assert.rejects(writeCaseFolder(join(data.datasets, 'two'), broken, 'refuse'));
    assert.equal(existsSync(join(data.datasets, 'two')), false);
    assert.deepEqual(readdirSync(data.datasets), ['one']);
  });
});
