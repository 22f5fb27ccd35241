import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../user-error';
import { parseSettings } from './swapbench-settings';

function refusal(env: Record<string, string>): string {
  try {
    parseSettings(env, '/work/here');
  } catch (error) {
    assert.ok(error instanceof UserError, `a UserError, got ${String(error)}`);
    return error.message;
  }
  return assert.fail('accepted');
}

describe('parseSettings', () => {
  it('defaults to ./datasets, ./runs, 127.0.0.1:8000 and the config file in the working directory', () => {
    const settings = parseSettings({}, '/work/here');
    assert.equal(settings.datasets, '/work/here/datasets');
    assert.equal(settings.runs, '/work/here/runs');
    assert.equal(settings.database, '/work/here/runs/swapbench.db');
    assert.deepEqual(settings.configFile, { path: '/work/here/swapbench.config.json', required: false });
    assert.equal(settings.port, 8000);
    assert.equal(settings.host, '127.0.0.1');
    assert.equal(settings.debug, false);
  });

  it('reads every variable, resolving folders against the working directory', () => {
    const settings = parseSettings(
      {
        SWAPBENCH_DATASETS: 'cases',
        SWAPBENCH_RUNS: '/data/runs',
        SWAPBENCH_CONFIG: 'conf/tools.json',
        SWAPBENCH_DEBUG: '1',
        PORT: '0',
        HOST: ' ::1 ',
      },
      '/work/here',
    );
    assert.equal(settings.datasets, '/work/here/cases');
    assert.equal(settings.database, '/data/runs/swapbench.db');
    assert.deepEqual(settings.configFile, { path: '/work/here/conf/tools.json', required: true });
    assert.equal(settings.port, 0);
    assert.equal(settings.host, '::1');
    assert.equal(settings.debug, true);
  });

  it('takes a blank variable as unset, as `VAR= swapbench` means', () => {
    const settings = parseSettings({ SWAPBENCH_RUNS: ' ', PORT: '', SWAPBENCH_DEBUG: '' }, '/w');
    assert.equal(settings.runs, '/w/runs');
    assert.equal(settings.port, 8000);
    assert.equal(settings.debug, false);
  });

  it('names the variable and the value it refuses', () => {
    assert.equal(refusal({ PORT: 'abc' }), 'PORT must be a whole number 0–65535, got "abc"');
    assert.match(refusal({ PORT: '65536' }), /^PORT must be a whole number 0–65535, got "65536"$/);
    assert.match(refusal({ PORT: '80.5' }), /^PORT .*"80\.5"/);
    assert.match(refusal({ PORT: '-1' }), /^PORT .*"-1"/);
    assert.match(refusal({ HOST: 'local host' }), /^HOST must be an address or host name without spaces/);
    // Two problems at once are both reported.
    assert.match(refusal({ PORT: 'x', HOST: 'a b' }), /PORT .*; HOST /);
  });

  it('takes a Postgres and a Redis URL; both together are team mode', () => {
    const single = parseSettings({}, '/w');
    assert.equal(single.databaseUrl, null);
    assert.equal(single.teamMode, false);
    const database = 'postgres://swapbench:pw@db.example:5432/swapbench';
    const postgresOnly = parseSettings({ SWAPBENCH_DATABASE_URL: database }, '/w');
    assert.equal(postgresOnly.databaseUrl, database);
    assert.equal(postgresOnly.teamMode, false);
    const team = parseSettings(
      { SWAPBENCH_DATABASE_URL: database, SWAPBENCH_REDIS_URL: 'redis://q:6379' },
      '/w',
    );
    assert.equal(team.redisUrl, 'redis://q:6379');
    assert.equal(team.teamMode, true);
  });

  it('refuses a database or Redis URL of another kind, without showing its password', () => {
    const refused = refusal({ SWAPBENCH_DATABASE_URL: 'mysql://root:hunter2@db/x' });
    assert.match(
      refused,
      /^SWAPBENCH_DATABASE_URL must be a URL such as postgres:\/\/.*got mysql:\/\/db\/x$/,
    );
    assert.doesNotMatch(refused, /hunter2/);
    assert.match(
      refusal({ SWAPBENCH_REDIS_URL: 'localhost:6379' }),
      /^SWAPBENCH_REDIS_URL must be a URL such as redis:/,
    );
    assert.match(refusal({ SWAPBENCH_DATABASE_URL: 'not a url' }), /^SWAPBENCH_DATABASE_URL must be a URL/);
  });

  it('ignores every other variable, keys included', () => {
    const settings = parseSettings({ OPENAI_API_KEY: 'sk-secret-123', PATH: '/bin' }, '/w');
    assert.doesNotMatch(JSON.stringify(settings), /sk-secret/);
  });

  it('withData points the folders elsewhere and keeps the rest', () => {
    const settings = parseSettings({ PORT: '9000' }, '/w').withData({ runs: 'other' });
    assert.equal(settings.database, join('/w/other', 'swapbench.db'));
    assert.equal(settings.datasets, '/w/datasets');
    assert.equal(settings.port, 9000);
  });
});
