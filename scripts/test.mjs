// `npm test`: build, lint (with the layer rule), type-check, then every vitest suite (unit,
// integration, browser end-to-end, Electron smoke). Ends with one line: `N passed, N failed[, N skipped]`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './ensure-built.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;
let skipped = 0;

/** A failure message's first line, without terminal colours, at most 400 characters. */
const firstLine = (message = '') => message.replace(/\x1b\[[0-9;]*m/g, '').split('\n')[0].slice(0, 400);

function step(name, cmd, args) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status === 0) passed++;
  else failed++;
  return r.status === 0;
}

process.stdout.write('== build\n');
try {
  ensureBuilt();
  passed++;
} catch {
  failed++;
}
step('lint (eslint, layer import rules)', bin('eslint'), ['.']);
step('typecheck (tsc)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);

const report = path.join(root, 'test-artifacts', 'vitest-results.json');
fs.mkdirSync(path.dirname(report), { recursive: true });
fs.rmSync(report, { force: true });
process.stdout.write('\n== vitest (unit, integration, e2e)\n');
const v = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
if (fs.existsSync(report)) {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numTotalTestSuites > 0 && r.testResults.some((t) => t.status === 'failed' && t.assertionResults.length === 0) ? 1 : 0);
  skipped += r.numPendingTests + r.numTodoTests;
  for (const file of r.testResults) {
    // The first line of each failure beside its name: CI's record keeps only the tail of the output.
    for (const t of file.assertionResults) if (t.status === 'failed') process.stdout.write(`FAILED: ${path.relative(root, file.name)} > ${t.fullName}\n  ${firstLine(t.failureMessages?.[0])}\n`);
    if (file.status === 'failed' && file.assertionResults.length === 0) process.stdout.write(`FAILED: ${path.relative(root, file.name)}: ${file.message}\n`);
  }
  if (r.numTotalTests === 0) {
    process.stdout.write('vitest ran no test\n');
    failed++;
  }
} else {
  process.stdout.write(`vitest wrote no report (exit ${v.status})\n`);
  failed++;
}
if (v.status !== 0 && failed === 0) failed++;
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed === 0 ? 0 : 1);
