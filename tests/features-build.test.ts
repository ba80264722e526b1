import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../core/node/services';
import type { FeatureBuildResult } from '../core/node/features/silver-build';
import { backfill, call, openServices, runJob, tempDir } from './helpers';

const SET = `name: small
timeframe: 15m
session: rth
symbols: [ES, NQ]
features:
  - ibs
  - rsi(14)
  - macd(12,26,9)
  - vwap
  - calendar
  - pair(NQ,20)
labels: b1, tb(0.002,0.002,8)
`;

describe('feature-set builds into silver', () => {
  const homes = [tempDir('qd-fb-a-'), tempDir('qd-fb-b-')];
  let a: Services;
  let b: Services;
  /** Every file of a build is byte-identical in both homes. */
  const expectSameFiles = (rel: string): void => {
    const list = (root: string): string[] => (fs.readdirSync(path.join(root, 'lake', rel), { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet')).sort();
    const files = list(homes[0]!);
    expect(list(homes[1]!)).toEqual(files);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(fs.readFileSync(path.join(homes[1]!, 'lake', rel, f)).equals(fs.readFileSync(path.join(homes[0]!, 'lake', rel, f))), f).toBe(true);
  };
  const build = (s: Services, extra: { force?: boolean } = {}): Promise<FeatureBuildResult> => runJob<FeatureBuildResult>(s, { kind: 'features', set: 'small', ...extra });

  beforeAll(async () => {
    a = await openServices(homes[0]!);
    b = await openServices(homes[1]!);
    for (const h of homes) {
      fs.mkdirSync(path.join(h, 'feature-sets'), { recursive: true });
      fs.writeFileSync(path.join(h, 'feature-sets', 'small.yml'), SET);
    }
    for (const s of [a, b]) await backfill(s, ['ES', 'NQ'], '2024-02-20', '2024-03-10');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('writes one Parquet file per symbol with manifest and validation, byte-identical from the same bronze', async () => {
    const r = await build(a);
    expect(r.symbols.map((x) => [x.symbol, x.status])).toEqual([['ES', 'built'], ['NQ', 'built']]);
    const dir = path.join(homes[0]!, 'lake', r.dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ set: 'small', hash: r.hash, codeVersion: expect.any(String), spec: { timeframe: '15m', session: 'rth', labels: ['b1', 'tb(0.002,0.002,8)'] } });
    expect(manifest.columns).toContain('pair_NQ_20_z');
    expect(manifest.symbols.ES.inputs.length).toBeGreaterThan(0);
    expect(Object.keys(manifest.symbols.ES.months)).toEqual(['2024-02', '2024-03']);
    expect(manifest.symbols.ES.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    // Regular hours only: 09:30–16:00 New York is 26 fifteen-minute bars a day.
    const sessions = r.symbols[0]!.rows / 26;
    expect(Number.isInteger(sessions)).toBe(true);
    const validation = JSON.parse(fs.readFileSync(path.join(dir, 'validation.json'), 'utf8'));
    expect(validation.symbols.ES.columns.rsi_14).toMatchObject({ warmupRows: 14, min: expect.any(Number), max: expect.any(Number) });
    expect(validation.symbols.ES.columns.calendar_first15.max).toBe(1);
    const rb = await build(b);
    expect(rb.hash).toBe(r.hash);
    expectSameFiles(r.dir);
    const q = await call(a, 'lake.sql', { query: `SELECT count(*) AS n, count(rsi_14) AS rsi, min(calendar_minutes_since_open) AS m FROM read_parquet('${path.join(dir, 'symbol=ES', '*', 'part-0.parquet')}')` });
    expect(q.rows[0]).toEqual([r.symbols[0]!.rows, r.symbols[0]!.rows - 14, 0]);
  });

  it('skips unchanged symbols, appends what bronze gained (only changed months rewritten), and rebuilds all with force', async () => {
    const again = await build(a);
    expect(again.symbols.map((x) => x.status)).toEqual(['up to date', 'up to date']);
    const dir = path.join(homes[0]!, 'lake', again.dir, 'symbol=ES');
    const feb = fs.statSync(path.join(dir, 'month=2024-02', 'part-0.parquet'));
    await backfill(a, ['ES'], '2024-03-11', '2024-04-05');
    const grown = await build(a);
    expect(grown.symbols.map((x) => [x.status, x.monthsWritten, x.monthsKept])).toEqual([['built', 2, 1], ['up to date', 0, 2]]);
    expect(grown.symbols[0]!.rows).toBeGreaterThan(again.symbols[0]!.rows);
    const febAfter = fs.statSync(path.join(dir, 'month=2024-02', 'part-0.parquet'));
    expect([febAfter.ino, febAfter.mtimeMs]).toEqual([feb.ino, feb.mtimeMs]);
    // The appended build equals a full build of the same bronze elsewhere.
    await backfill(b, ['ES'], '2024-03-11', '2024-04-05');
    const full = await build(b, { force: true });
    expect(full.symbols.map((x) => x.monthsWritten)).toEqual([3, 2]);
    expectSameFiles(full.dir);
    const forced = await build(a, { force: true });
    expect(forced.symbols.map((x) => x.status)).toEqual(['built', 'built']);
  });

  it('returns the exchange session of every bar from bars.get when asked (what chart indicators anchor on)', async () => {
    const b = await call(a, 'bars.get', { symbol: 'ES', timeframe: '1h', from: '2024-03-03T22:00:00Z', to: '2024-03-04T01:00:00Z', sessions: true });
    const at = Array.from(b.t).indexOf(Date.UTC(2024, 2, 3, 23));
    expect(at).toBeGreaterThanOrEqual(0);
    // Sunday 17:00 Chicago opens Monday's CME session.
    expect(new Date(b.sessions!.day[at]! * 86_400_000).toISOString().slice(0, 10)).toBe('2024-03-04');
    expect(b.sessions!.sessionStart[at]).toBe(Date.UTC(2024, 2, 3, 23));
    expect((await call(a, 'bars.get', { symbol: 'ES', timeframe: '1h', limit: 5 })).sessions).toBeUndefined();
  });

  it('refuses a set naming a symbol the lake lacks, or a bad feature, before any job runs', async () => {
    await expect(call(a, 'jobs.start', { kind: 'features', set: 'small', symbols: ['ZZ'] })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/refers to symbol ZZ, which the lake lacks/) });
    const bad = path.join(homes[0]!, 'bad.yml');
    fs.writeFileSync(bad, 'name: bad\ntimeframe: 5m\nsymbols: [ES]\nfeatures: [rsi(abc)]\n');
    await expect(call(a, 'jobs.start', { kind: 'features', set: bad })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/bad\.yml: feature "rsi\(abc\)": n must be a number/) });
    fs.writeFileSync(bad, 'name: bad\ntimeframe: 5m\nsymbols: [ES]\nfeatures: [ibs, macd(12,26,9)]\n');
    await expect(call(a, 'jobs.start', { kind: 'features', set: bad })).rejects.toMatchObject({ message: expect.stringMatching(/bad\.yml: features: expected a spec.*quote specs that hold commas/) });
    fs.writeFileSync(bad, 'name: bad\ntimeframe: 7m\nsymbols: [ES]\nfeatures: [ibs]\n');
    await expect(call(a, 'jobs.start', { kind: 'features', set: bad })).rejects.toMatchObject({ message: expect.stringMatching(/bad\.yml: timeframe: expected one of/) });
  });
});
