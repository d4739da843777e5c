import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Absolute path of the repository root. Compiled tests live in `dist/test/**`, so the
 * root is found by walking up from this file until `package.json` is next to `schemas/`.
 */
export const repositoryRoot: string = (() => {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    if (path.basename(directory) === 'dist') {
      return path.dirname(directory);
    }
    directory = path.dirname(directory);
  }
  throw new Error('test/helpers/paths: could not find the repository root above the compiled tests');
})();

/** Absolute path of a file under `test/fixtures/`. */
export function fixturePath(name: string): string {
  return path.join(repositoryRoot, 'test', 'fixtures', name);
}
