// The gateway's version for gateway_build_info and the trace resource: package.json is the one source.
import { readFileSync } from 'node:fs';
import { projectPath } from '../common/projectRoot.ts';

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown'; // a packaging mistake must not stop the gateway
  }
}
