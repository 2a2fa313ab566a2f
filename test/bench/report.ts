// Where the benchmarks write what they measured: the generated sections of docs/BENCHMARKS.md.
import { readFileSync, writeFileSync } from 'node:fs';

/** Replaces the generated section <!-- name:start --> ... <!-- name:end --> of the benchmarks page. */
export function writeSummary(path: string, name: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a === -1 || b === -1) {
    console.error(`${path} has no ${start} … ${end} section; summary not written`);
    return;
  }
  writeFileSync(path, `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`);
  console.log(`summary: ${path} (${name} section)`);
}
