// The repository's root (where package.json, db/migrations and the dashboards live), found from this module
// whether it runs as TypeScript from gateway/src or compiled under dist/gateway/src.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the gateway sources');
    dir = up;
  }
}

export const PROJECT_ROOT = findRoot();

/** A path inside the repository, from its root. */
export function projectPath(...parts: string[]): string {
  return join(PROJECT_ROOT, ...parts);
}
