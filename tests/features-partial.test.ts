import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../core/node/features/analysis';
import { paths, tempDir } from './helpers';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');
const SYMBOLS = ['ES', 'NQ', 'YM', 'RTY', 'CL', 'GC'];

function qd(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, QUANTDESK_HOME: '' }, timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('a feature build killed halfway states that it is incomplete', () => {
  const home = tempDir('qd-partial-');
  const set = path.join(home, 'six.yml');

  it('records every symbol asked for; IC, promotion and training refuse the build naming the missing symbols unless --allow-partial, which is recorded', async () => {
    expect(qd(['--home', home, 'backfill', '--source', 'demo', '--symbols', SYMBOLS.join(','), '--from', '2023-07-03', '--to', '2024-03-29']).code).toBe(0);
    fs.writeFileSync(set, `name: six\ntimeframe: 5m\nsymbols: [${SYMBOLS.join(', ')}]\nfeatures:\n  - ibs\n  - rsi(14)\n  - "macd(12,26,9)"\n  - vwap\n  - stoch(14,3)\n  - atr(14)\nlabels: b1\n`);
    const manifestFile = (): string | undefined => {
      const dir = path.join(home, 'lake', 'silver', 'features', 'six');
      if (!fs.existsSync(dir)) return undefined;
      const hash = fs.readdirSync(dir)[0];
      return hash ? path.join(dir, hash, 'manifest.json') : undefined;
    };
    const read = (): Manifest | undefined => {
      const f = manifestFile();
      try {
        return f && fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as Manifest) : undefined;
      } catch {
        return undefined;
      }
    };
    // The build is killed (SIGKILL: no chance to tidy up) as soon as its first symbol is filed.
    const child = spawn(process.execPath, [BIN, '--home', home, 'features', 'build', '--set', set], { env: { ...process.env, QUANTDESK_HOME: '' }, stdio: 'ignore' });
    let over = false;
    const exited = new Promise<void>((r) => child.on('exit', () => ((over = true), r())));
    for (let m = read(); !over && !(m && Object.keys(m.symbols).length >= 1); m = read()) await new Promise((r) => setTimeout(r, 5));
    expect(over, 'the build ended before its first symbol was filed').toBe(false);
    child.kill('SIGKILL');
    await exited;
    const m = read()!;
    expect(Object.keys(m.requested ?? {}).sort()).toEqual([...SYMBOLS].sort());
    const built = Object.keys(m.symbols);
    const missing = SYMBOLS.filter((s) => !built.includes(s));
    expect(built.length).toBeGreaterThanOrEqual(1);
    expect(missing.length).toBeGreaterThanOrEqual(1);

    const ic = qd(['--home', home, 'ic', '--set', set, '--horizons', '1,5']);
    expect(ic.code).not.toBe(0);
    expect(ic.err).toMatch(/build six@[0-9a-f]{16} is incomplete: /);
    for (const s of missing) expect(ic.err).toContain(`${s} (interrupted)`);
    expect(ic.err).toMatch(/--allow-partial/);
    const promote = qd(['--home', home, 'dataset', 'promote', '--build', m.buildId]);
    expect(promote.code).not.toBe(0);
    expect(promote.err).toMatch(/is incomplete: .*promotion to a gold dataset needs every symbol/);
    const config = path.join(home, 'train.yml');
    fs.writeFileSync(config, `name: six-dir\nfeatureSet: ${set}\nlabel: label_b1\nmodel: { kind: gbdt, nTrees: 10, maxDepth: 3, learningRate: 0.1 }\nsplit: { validation: 0.2, test: 0.2, embargo: 1 }\n`);
    const train = qd(['--home', home, 'train', '--config', config]);
    expect(train.code).not.toBe(0);
    expect(train.err).toMatch(/is incomplete: .*training needs every symbol/);

    // Asked for explicitly, the partial build is used, and the result says what it lacks.
    const partial = qd(['--home', home, 'ic', '--set', set, '--horizons', '1,5', '--allow-partial', '--json']);
    expect(partial.code, partial.err).toBe(0);
    expect((JSON.parse(partial.out) as { partial: string[] }).partial.sort()).toEqual([...missing].sort());
    const gold = qd(['--home', home, 'dataset', 'promote', '--build', m.buildId, '--allow-partial', '--json']);
    expect(gold.code, gold.err).toBe(0);
    const meta = JSON.parse(fs.readFileSync(path.join(home, 'lake', 'gold', 'datasets', 'six', 'v1', 'metadata.json'), 'utf8')) as { partial: string[]; symbols: Record<string, number> };
    expect(meta.partial.sort()).toEqual([...missing].sort());
    expect(Object.keys(meta.symbols).sort()).toEqual([...built].sort());

    // Finishing the build makes it complete: IC runs without the flag.
    expect(qd(['--home', home, 'features', 'build', '--set', set]).code).toBe(0);
    const done = read()!;
    expect(Object.values(done.requested ?? {}).every((r) => r.status === 'built')).toBe(true);
    expect(qd(['--home', home, 'ic', '--set', set, '--horizons', '1']).code).toBe(0);
  }, 600_000);

  it('a symbol whose build fails (its bronze files are damaged) fails the job by name and is recorded as failed', () => {
    const dir = path.join(home, 'lake', 'bronze', 'bars', 'tf=1m', 'symbol=CL');
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) if (f.endsWith('.parquet')) fs.writeFileSync(path.join(dir, f), 'not parquet any more');
    const r = qd(['--home', home, 'features', 'build', '--set', set, '--force']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/feature build six@[0-9a-f]{16} is incomplete \(CL: /);
    const hash = fs.readdirSync(path.join(home, 'lake', 'silver', 'features', 'six'))[0]!;
    const m = JSON.parse(fs.readFileSync(path.join(home, 'lake', 'silver', 'features', 'six', hash, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.requested?.CL).toMatchObject({ status: 'failed', error: expect.any(String) });
    expect(Object.entries(m.requested ?? {}).filter(([, x]) => x.status === 'built').map(([k]) => k).sort()).toEqual(SYMBOLS.filter((x) => x !== 'CL').sort());
    const ic = qd(['--home', home, 'ic', '--set', set, '--horizons', '1']);
    expect(ic.code).not.toBe(0);
    expect(ic.err).toMatch(/is incomplete: CL \(failed: /);
  }, 300_000);
});
