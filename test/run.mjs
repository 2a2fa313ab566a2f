#!/usr/bin/env node
// The project's test command: type-check, then every test/**/*.test.ts file in its own process
// (uvu inside), two at a time. Ends with the line "N passed, N failed".
// Usage: npm test [-- <substring filter>...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 240_000);
const CONCURRENCY = Number(process.env.TEST_CONCURRENCY ?? 2);

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (entry === 'node_modules' || entry === 'artifacts') continue;
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (entry.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

function run(cmd, args, label) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout can take down the Anvil nodes a test started
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[runner] ${label} timed out after ${FILE_TIMEOUT_MS} ms\n`;
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try { process.kill(-child.pid, 'SIGKILL'); } catch {} // leftovers in the group
      resolve({ code: code ?? (signal ? 1 : 0), output, ms: Date.now() - started });
    });
  });
}

function tally(result) {
  const clean = result.output.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(clean)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(passed)) return { passed: 0, failed: 1 }; // crashed before reporting
  let failed = Math.max(0, total - passed - skipped);
  if (result.code !== 0 && failed === 0) failed = 1; // exited non-zero after reporting
  return { passed, failed };
}

let passed = 0;
let failed = 0;

if (filters.length === 0 || filters.includes('typecheck')) {
  const tsc = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], 'typecheck');
  if (tsc.code === 0) passed++;
  else failed++;
  console.log(`${tsc.code === 0 ? 'ok  ' : 'FAIL'} typecheck (${tsc.ms} ms)`);
  if (tsc.code !== 0) console.log(tsc.output);
}

const files = findTests(join(root, 'test')).filter(
  (f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)),
);
const queue = [...files];
async function worker() {
  while (queue.length) {
    const file = queue.shift();
    const label = relative(root, file);
    const result = await run(process.execPath, ['--import', 'tsx', file], label);
    const t = tally(result);
    passed += t.passed;
    failed += t.failed;
    const ok = t.failed === 0;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}: ${t.passed} passed, ${t.failed} failed (${result.ms} ms)`);
    if (!ok || process.env.TEST_VERBOSE) console.log(result.output.replace(/^/gm, '    '));
  }
}
await Promise.all(Array.from({ length: Math.max(1, CONCURRENCY) }, worker));

console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
