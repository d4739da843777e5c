import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../../functions/common/config.js';
import { repositoryRoot } from '../../helpers/paths.js';

describe('README settings table', () => {
  const readme = readFileSync(path.join(repositoryRoot, 'README.md'), 'utf8');

  for (const setting of SETTINGS) {
    it(`lists ${setting.env} with its default`, () => {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${setting.env}\` |`));
      assert.ok(row, `README.md has no settings row for ${setting.env}`);
      const expectedDefault = setting.default === undefined ? '—' : `\`${setting.default}\``;
      assert.equal(row.split('|')[2]!.trim(), expectedDefault);
    });
  }
});
