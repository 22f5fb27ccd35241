import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { NarrowTool, WideTool } from '../../test/support/test-tools';
import { SettingsModule } from '../core/config/settings.module';
import { parseSettings } from '../core/config/swapbench-settings';
import { UserError } from '../core/user-error';
import type { ToolAvailability } from './tool';
import { Tool } from './tool.decorator';
import { resolveToolOptions } from './tool-options';
import { ToolsModule } from './tools.module';
import { ToolRegistry } from './tools.registry';

/** A third-party tool that takes a built-in tool's id. */
@Tool()
@Injectable()
class ImpostorTool extends WideTool {
  override readonly id = 'test_wide';
}

/** A tool that cannot run here, and says why. */
@Tool()
@Injectable()
class LockedTool extends NarrowTool {
  override readonly id = 'test_locked';
  override availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: false, reason: 'TEST_KEY is not set' });
  }
}

/** A tool whose availability check itself breaks. */
@Tool()
@Injectable()
class BrokenCheckTool extends NarrowTool {
  override readonly id = 'test_broken_check';
  override availability(): Promise<ToolAvailability> {
    return Promise.reject(new Error('config unreadable'));
  }
}

let app: TestingModule;
let registry: ToolRegistry;

before(async () => {
  app = await Test.createTestingModule({
    imports: [SettingsModule.forRoot(parseSettings({})), ToolsModule],
    providers: [WideTool, LockedTool, BrokenCheckTool],
  }).compile();
  await app.init();
  registry = app.get(ToolRegistry);
});

after(async () => {
  await app?.close();
});

function userError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('ToolRegistry', () => {
  test('finds the built-in tools and the @Tool() providers of any module', () => {
    const ids = registry.ids();
    for (const id of ['control_template', 'control_paste', 'test_wide', 'test_locked'])
      assert.ok(ids.includes(id), `${id} registered`);
  });

  test('refuses a second tool with a taken id, at module init', async () => {
    const clash = await Test.createTestingModule({
      imports: [SettingsModule.forRoot(parseSettings({})), ToolsModule],
      providers: [WideTool, ImpostorTool],
    }).compile();
    await assert.rejects(clash.init(), /Two tools share the id "test_wide"/);
    await clash.close().catch(() => undefined);
  });

  test('refuses a tool whose id is not a slug', () => {
    const tool = Object.assign(new WideTool(), { id: 'Bad Id' });
    assert.throws(() => registry.register(tool), /not a slug/);
  });

  test('an unknown tool is an error that lists the known ids', async () => {
    assert.throws(
      () => registry.get('nope'),
      userError(/Unknown tool "nope"\. Known tools: .*control_paste.*control_template/),
    );
    await assert.rejects(
      registry.select(['control_paste', 'nope', 'nada']),
      userError(/Unknown tools "nope", "nada"\. Known tools: .*control_template/),
    );
    await assert.rejects(registry.select([]), userError(/No tools selected/));
  });

  test('`all` means every available tool; unavailable ones say why', async () => {
    const all = (await registry.select('all')).map((t) => t.id);
    assert.ok(all.includes('control_template'));
    assert.ok(all.includes('test_wide'));
    assert.ok(!all.includes('test_locked'));
    assert.ok(!all.includes('test_broken_check'));
    const summaries = await registry.summaries();
    const locked = summaries.find((s) => s.id === 'test_locked');
    assert.equal(locked?.available, false);
    assert.equal(locked?.reason, 'TEST_KEY is not set');
    const broken = summaries.find((s) => s.id === 'test_broken_check');
    assert.equal(broken?.available, false);
    assert.match(broken?.reason ?? '', /availability check failed: config unreadable/);
    assert.equal(summaries.find((s) => s.id === 'control_template')?.reason, null);
  });

  test('selecting the same tool twice runs it once', async () => {
    assert.deepEqual(
      (await registry.select(['test_wide', 'control_paste', 'test_wide'])).map((t) => t.id),
      ['test_wide', 'control_paste'],
    );
  });
});

describe('tool options', () => {
  const tool = new WideTool();

  test('defaults are filled in', () => {
    assert.deepEqual(resolveToolOptions(tool), { flavour: 'plain', level: 1 });
    assert.deepEqual(resolveToolOptions(tool, { level: 3 }), { flavour: 'plain', level: 3 });
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'an unknown option',
      { colour: 'red' },
      /Tool "test_wide" has no option "colour" \(its options: flavour, level\)/,
    ],
    ['a value above the maximum', { level: 9 }, /Option "level" of tool "test_wide" must be at most 5/],
    ['a value below the minimum', { level: -1 }, /must be at least 0/],
    ['a fraction for a whole number', { level: 1.5 }, /must be a whole number/],
    ['a string for a number', { level: '3' }, /must be a number/],
    ['a value outside the choices', { flavour: 'sour' }, /must be one of plain, spicy; got "sour"/],
    ['a number for a string', { flavour: 7 }, /Option "flavour" of tool "test_wide" must be a string/],
  ];
  for (const [what, given, pattern] of bad) {
    test(`${what} is a UserError naming the tool and the option`, () => {
      assert.throws(() => resolveToolOptions(tool, given), userError(pattern));
    });
  }
});
