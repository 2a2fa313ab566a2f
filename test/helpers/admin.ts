// Runs the admin command as an operator would: a separate process, with the environment given.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's lines, trailing newline dropped. */
  lines: string[];
  /** The last line of stdout (where `key create` prints the key alone). */
  last: string;
}

export function runAdmin(env: NodeJS.ProcessEnv, ...args: string[]): Promise<AdminRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), ['gateway/src/admin.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = stdout.trimEnd().split('\n');
      resolve({ code: code ?? -1, stdout, stderr, lines, last: lines.at(-1) ?? '' });
    });
  });
}
