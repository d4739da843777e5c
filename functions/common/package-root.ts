import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the installed package (the directory holding `package.json`,
 * `schemas/` and `infra/`), found from this module both in `functions/` and in `dist/`.
 */
export const packageRoot: string = (() => {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    if (existsSync(path.join(directory, 'package.json')) && existsSync(path.join(directory, 'schemas'))) {
      return directory;
    }
    directory = path.dirname(directory);
  }
  throw new Error(`package root not found above ${fileURLToPath(import.meta.url)}`);
})();
