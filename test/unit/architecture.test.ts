// The layout's rules, checked on the source itself: no import circles between files or between folders,
// no source file over 300 lines, and the methods whose handling is subtle named only in the method table
// and at most one other place. docs/ARCHITECTURE.md describes the layout these keep true.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const SRC = fileURLToPath(new URL('../../gateway/src/', import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

const files = sources(SRC).map((f) => relative(SRC, f));
const text = new Map(files.map((f) => [f, readFileSync(join(SRC, f), 'utf8')]));

/** The files each file imports (relative imports inside gateway/src, type-only ones included). */
export function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const f of files) {
    const deps = new Set<string>();
    for (const m of text.get(f)!.matchAll(IMPORT)) {
      const target = normalize(join(dirname(f), m[1] ?? m[2]!));
      if (text.has(target)) deps.add(target);
    }
    graph.set(f, deps);
  }
  return graph;
}

/** A file's folder, e.g. `portal/pages`; a file directly in gateway/src is a unit of its own. */
const folderOf = (f: string) => (dirname(f) === '.' ? f : dirname(f));

/** Strongly connected components with more than one member, or a member importing itself. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

test('no import circle between files', () => {
  assert.equal(cycles(importGraph()), []);
});

test('no import circle between folders (each file directly in gateway/src counts as its own)', () => {
  const folders = new Map<string, Set<string>>();
  for (const [f, deps] of importGraph()) {
    const from = folderOf(f);
    const set = folders.get(from) ?? new Set<string>();
    for (const d of deps) if (folderOf(d) !== from) set.add(folderOf(d));
    folders.set(from, set);
  }
  const found = cycles(folders);
  const why = found.map((scc) => scc.map((a) => `${a} -> ${[...folders.get(a)!].filter((b) => scc.includes(b)).join(', ')}`).join('; '));
  assert.equal(why, []);
});

test('no source file over 300 lines', () => {
  const long = files.filter((f) => text.get(f)!.split('\n').length > 300);
  assert.equal(long, []);
});

test('eth_getLogs, eth_getTransactionReceipt and eth_sendRawTransaction are named in the method table and at most one other file', () => {
  for (const method of ['eth_getLogs', 'eth_getTransactionReceipt', 'eth_sendRawTransaction']) {
    const naming = files.filter((f) => text.get(f)!.includes(`'${method}'`) || new RegExp(`\\b${method}\\b\\s*:`).test(text.get(f)!));
    assert.ok(naming.includes('evm/methods.ts'), `${method} is in the method table`);
    assert.ok(naming.length <= 2, `${method} is named in ${naming.join(', ')}`);
  }
});

test('common/ imports nothing of the gateway, evm/ only common/: the method table and its readers are pure', () => {
  const graph = importGraph();
  for (const [f, deps] of graph) {
    if (f.startsWith('common/')) assert.equal([...deps].filter((d) => !d.startsWith('common/')), [], f);
    if (f.startsWith('evm/')) assert.equal([...deps].filter((d) => !d.startsWith('evm/') && !d.startsWith('common/')), [], f);
  }
});

test('only root files import config.ts, and only root files and telemetry/ import events.ts', () => {
  const importers = (target: string) => [...importGraph()].filter(([, deps]) => deps.has(target)).map(([f]) => f);
  assert.equal(importers('config.ts').filter((f) => folderOf(f) !== f), []);
  assert.equal(importers('events.ts').filter((f) => folderOf(f) !== f && !f.startsWith('telemetry/')), []);
});

test('the checks see the source: every folder and a known import are found', () => {
  const graph = importGraph();
  assert.ok(graph.get('gateway.ts')!.size > 5);
  for (const folder of ['access', 'cache', 'common', 'evm', 'http', 'rpc', 'store', 'telemetry', 'upstream']) {
    assert.ok(files.some((f) => f.startsWith(`${folder}/`)), folder);
  }
});

test.run();
