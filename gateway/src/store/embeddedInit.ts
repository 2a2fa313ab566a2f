// Opening the embedded PGlite with a small footprint. Two costs are avoided:
// - First start: creating a data directory (initdb) leaves several hundred MB of WebAssembly heap in the
//   process that ran it, unused afterwards. It runs in a short-lived child process instead, and its heap
//   leaves with it; the gateway then opens the directory as on any later start.
// - Every start: PostgreSQL's default shared_buffers (128 MB) is touched inside the WebAssembly heap. The
//   gateway's tables are small, so 16 MB keeps every page cached.
// - First start, again: the build makes a template data directory once, and a new DATA_DIR is a copy of it.
// Run as a script (`node embeddedInit.js <dir>`) it initialises <dir> (unless it is already) and exits.
import { spawn } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? [];

/** PGlite's start parameters with the embedded database's memory settings. */
export const START_PARAMS: readonly string[] = [...defaults, '-c', 'shared_buffers=16MB', '-c', 'max_connections=16'];

/**
 * A data directory initialised at build time (`npm run build` makes it beside the compiled gateway): a new
 * DATA_DIR is a copy of it, in milliseconds, instead of PGlite's initdb (about 3 s). Running from the sources
 * there is none, and initdb runs.
 */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../pglite-template', import.meta.url));

/** Opens (creating it first when new: a copy of the template, or initdb out of process) the PGlite data directory `dir`. */
export async function openPglite(dir: string, templateDir = TEMPLATE_DIR): Promise<PGlite> {
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    if (existsSync(join(templateDir, 'PG_VERSION'))) cpSync(templateDir, dir, { recursive: true });
    else await initialiseInChild(dir);
  }
  return PGlite.create(dir, { startParams: [...START_PARAMS] });
}

/** Loader flags (tsx when running the TypeScript sources) the child needs to run this module as we do. */
function loaderFlags(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--import' || a === '--loader' || a === '--require' || a === '-r') {
      const v = argv[i + 1];
      if (v !== undefined) out.push(a, v);
      i++;
    } else if (/^--(import|loader|require)=/.test(a)) out.push(a);
  }
  return out;
}

function initialiseInChild(dir: string): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...loaderFlags(), script, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.once('error', fail);
    // 'close': the process has exited and its stderr is read to the end.
    child.once('close', (code, signal) =>
      code === 0 ? done() : fail(new Error(`initialising ${dir} failed (${signal ? `signal ${signal}` : `exit ${code}`}): ${stderr.trim()}`)),
    );
  });
}

async function initialise(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return; // already there (a build run again)
  const db = await PGlite.create(dir, { startParams: [...START_PARAMS] });
  await db.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: embeddedInit <data directory>');
    process.exit(2);
  }
  await initialise(dir);
}
