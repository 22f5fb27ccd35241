import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { colourAllowed, renderTable } from './terminal-table';

const saved = {
  NO_COLOR: process.env.NO_COLOR,
  FORCE_COLOR: process.env.FORCE_COLOR,
  COLUMNS: process.env.COLUMNS,
};
const ESC = '\u001b[';

afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const terminal = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('CLI tables', () => {
  it('carry colour only on a terminal, never under NO_COLOR', () => {
    delete process.env.NO_COLOR;
    delete process.env.FORCE_COLOR;
    assert.equal(colourAllowed(terminal), true);
    assert.equal(colourAllowed(pipe), false);
    process.env.NO_COLOR = '1';
    assert.equal(colourAllowed(terminal), false);
    delete process.env.NO_COLOR;
    process.env.FORCE_COLOR = '1';
    assert.equal(colourAllowed(pipe), true);
  });

  it('fit the width, wrapping long text and keeping the id column whole', () => {
    delete process.env.FORCE_COLOR;
    process.env.COLUMNS = '60';
    const long = 'a description that goes on and on about what the tool does and why, far past any terminal';
    const text = renderTable(
      ['id', 'kind', 'description'],
      [
        ['a_rather_long_tool_identifier', 'local', long],
        ['short', 'api', 'ok'],
      ],
    );
    // The tests run with stdout on a pipe: no escape codes.
    assert.ok(!text.includes(ESC));
    for (const line of text.split('\n')) assert.ok(line.length <= 60, `${line.length}: ${line}`);
    assert.match(text, /a_rather_long_tool_identifier/);
    assert.match(text.replace(/[│\s]+/g, ' '), /goes on and on/);
  });
});
