import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repositoryRoot } from '../helpers/paths.js';

describe('esc-bridge demo', () => {
  it('runs the local stack end to end and prints a complete summary', () => {
    const stateDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'esc-bridge-demo-')), 'kafka');
    const run = spawnSync(
      process.execPath,
      [path.join(repositoryRoot, 'dist/functions/cli/main.js'), 'demo', '--timeout', '90', '--state-dir', stateDir],
      { encoding: 'utf8', timeout: 240_000 },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, output);
    assert.match(run.stdout, /^Summary$/m);
    assert.match(run.stdout, /events produced: +5 \(/);
    assert.match(run.stdout, /results by status: +5 \(.*ACCEPTED 3/);
    assert.match(run.stdout, /REJECTED 1/);
    assert.match(run.stdout, /INVALID 1/);
    assert.match(run.stdout, /dead letters: +1$/m);
    assert.match(run.stdout, /every expected event, result and dead letter arrived/);
    assert.match(run.stdout, /"eventType":"VM_REBOOTED"/);
    assert.equal(existsSync(stateDir), false, 'the demo removes its broker state directory');
  });
});
