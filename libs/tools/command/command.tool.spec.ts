import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import sharp from 'sharp';
import { makeToolInput, type ToolInputFixture } from '../../../test/fake-openai/tool-input.fixture';
import { CommandToolSchema } from '../config/swapbench-config.schema';
import { expandCommandArgs, TailBuffer } from './command-args';
import { CommandTool } from './command.tool';

/**
 * A small real program: it records its arguments, then behaves as its first argument says — composite
 * the first avatar onto the template (`swap`), fail with stderr, sleep, or write a non-image.
 */
const PROGRAM = `
const fs = require('node:fs');
const sharp = require(${JSON.stringify(require.resolve('sharp'))});
const [mode, argsFile, ...rest] = process.argv.slice(2);
fs.writeFileSync(argsFile, JSON.stringify(rest));
const output = rest[rest.indexOf('--out') + 1];
if (mode === 'swap') {
  sharp(rest[0]).composite([{ input: rest[2], left: 10, top: 10 }]).png().toFile(output).then(() => process.exit(0));
} else if (mode === 'fail') {
  process.stderr.write('x'.repeat(6000) + '\\nmodel weights not found: /opt/swap/inswapper.onnx\\n');
  process.exit(3);
} else if (mode === 'sleep') {
  setTimeout(() => {}, 60000);
} else if (mode === 'garbage') {
  fs.writeFileSync(output, 'not an image');
} else if (mode === 'nothing') {
  process.exit(0);
}
`;

describe('CommandTool running a real program', () => {
  let fixture: ToolInputFixture;
  afterEach(() => fixture.cleanup());

  async function setup(
    mode: string,
    extra: Record<string, unknown> = {},
    stem = 'template',
  ): Promise<{ tool: CommandTool; argsFile: string }> {
    fixture = await makeToolInput({}, 2, stem);
    const script = join(fixture.dir, 'swap.js');
    await writeFile(script, PROGRAM);
    const argsFile = join(fixture.dir, 'args.json');
    const config = CommandToolSchema.parse({
      id: 'local_swap',
      name: 'Local swap',
      command: [
        process.execPath,
        script,
        mode,
        argsFile,
        '{template}',
        '{avatars}',
        '--out',
        '{output}',
        '--first={avatar1}',
        '--case',
        '{case_id}',
      ],
      ...extra,
    });
    return { tool: new CommandTool(config, fixture.dir), argsFile };
  }

  it('passes template, avatars in slot order and output as separate arguments, and returns the image it wrote', async () => {
    const { tool, argsFile } = await setup('swap');
    const result = await tool.generate(fixture.input);
    assert.ok(result.ok, JSON.stringify(result));
    const args = JSON.parse(await readFile(argsFile, 'utf8')) as string[];
    const [a1, a2] = fixture.input.avatars.map((a) => a.path);
    assert.deepEqual(args.slice(0, 3), [fixture.input.templatePath, a1, a2]);
    assert.equal(args[3], '--out');
    assert.match(args[4], /output\.png$/);
    assert.deepEqual(args.slice(5), [`--first=${a1}`, '--case', 'tc_fixture']);
    const meta = await sharp(result.image).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 240, 120]);
    assert.equal(existsSync(args[4]), false, 'the scratch folder is removed');
  });

  it('cannot be made to run a command by a file name, since no shell ever sees the arguments', async () => {
    // The program runs in the fixture folder, so a relative `touch` would land there.
    const { tool, argsFile } = await setup('swap', {}, 'x; touch PWNED; $(touch PWNED) `touch PWNED`');
    const result = await tool.generate(fixture.input);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(existsSync(join(fixture.dir, 'PWNED')), false);
    const args = JSON.parse(await readFile(argsFile, 'utf8')) as string[];
    assert.equal(args[0], fixture.input.templatePath, 'the odd name arrives as one literal argument');
  });

  it('keeps the last 4 KB of stderr when the program fails', async () => {
    const { tool } = await setup('fail');
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'command_failed');
    assert.equal(result.failure.retryable, false);
    assert.match(result.failure.message, /swap|node/);
    assert.match(result.failure.message, /exited with code 3/);
    assert.match(result.failure.message, /model weights not found: \/opt\/swap\/inswapper\.onnx/);
    assert.ok(result.failure.message.length < 4300, `message is ${result.failure.message.length} chars`);
  });

  it('kills a program that runs past timeout_ms', async () => {
    const { tool } = await setup('sleep', { timeout_ms: 1000 });
    const started = Date.now();
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'timeout');
    assert.match(result.failure.message, /did not finish within 1 s/);
    assert.ok(Date.now() - started < 5000);
  });

  it('kills the program when the item is aborted', async () => {
    const { tool } = await setup('sleep');
    const controller = new AbortController();
    fixture.input.signal = controller.signal;
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'aborted');
    assert.ok(Date.now() - started < 5000);
  });

  it('fails with bad_output when the program writes no file, or a file that is not an image', async () => {
    for (const mode of ['nothing', 'garbage']) {
      const { tool } = await setup(mode);
      const result = await tool.generate(fixture.input);
      assert.ok(!result.ok);
      assert.equal(result.failure.code, 'bad_output', mode);
      await fixture.cleanup();
    }
    fixture = await makeToolInput({});
  });

  it('says so when the program does not exist', async () => {
    fixture = await makeToolInput({});
    const tool = new CommandTool(
      CommandToolSchema.parse({ id: 'gone', name: 'Gone', command: ['./no-such-program', '{template}'] }),
      fixture.dir,
    );
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'command_not_found');
    assert.match(result.failure.message, /\.\/no-such-program was not found/);
  });

  it('fails clearly when the command names an avatar the case does not have', async () => {
    fixture = await makeToolInput({}, 1);
    const tool = new CommandTool(
      CommandToolSchema.parse({ id: 'two', name: 'Two', command: [process.execPath, '{avatar2}'] }),
      fixture.dir,
    );
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.match(result.failure.message, /uses \{avatar2\} but this case has 1 avatar/);
  });
});

describe('expandCommandArgs and TailBuffer', () => {
  it('expands {avatars} into several arguments and placeholders inside longer arguments', () => {
    const values = {
      template: 't.png',
      avatars: ['a.png', 'b.png'],
      output: 'o.png',
      prompt: 'p',
      case_id: 'c',
      slots_json: '[]',
      workdir: '/w',
    };
    assert.deepEqual(
      expandCommandArgs(['prog', '{avatars}', '--out={output}', '{avatar2}', '{prompt}'], values),
      ['prog', 'a.png', 'b.png', '--out=o.png', 'b.png', 'p'],
    );
  });

  it('keeps only the tail', () => {
    const tail = new TailBuffer(10);
    tail.push(Buffer.from('0123456789'));
    tail.push(Buffer.from('abcdef'));
    assert.equal(tail.text(), '…6789abcdef');
  });
});
