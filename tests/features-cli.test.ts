import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { paths, sharedData, tempDir } from './helpers';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');

function qd(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, QUANTDESK_HOME: '' }, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('quantdesk features', () => {
  const dir = tempDir('qd-features-cli-');

  it('lists the registry with parameters, outputs and conventions', () => {
    const r = qd(['features', 'list', '--json']);
    expect(r.code).toBe(0);
    const { features } = JSON.parse(r.out) as { features: { name: string; spec: string; outputs: string[]; params: { name: string; default: number; min: number; max: number }[]; conventions: string }[] };
    const rsi = features.find((f) => f.name === 'rsi')!;
    expect(rsi).toMatchObject({ spec: 'rsi(14)', outputs: ['rsi_14'], params: [{ name: 'n', default: 14, min: 1, max: 10000 }] });
    expect(rsi.conventions).toMatch(/Wilder/);
    expect(features.map((f) => f.name)).toEqual(expect.arrayContaining(['ibs', 'macd', 'bbands', 'adx', 'stoch', 'vwap', 'kin', 'levels', 'calendar', 'pair', 'window', 'macdday']));
  });

  it('computes features on msft.csv with warm-up rows empty, the time column kept as written', () => {
    const out = path.join(dir, 'msft-features.csv');
    const r = qd(['features', 'compute', '--input', sharedData('real', 'msft.csv'), '--features', 'ibs,rsi(2),rsi(14),atr(14),macd(12,26,9)', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ rows: 249, columns: ['ibs', 'rsi_2', 'rsi_14', 'atr_14', 'macd_12_26_9', 'macd_12_26_9_signal', 'macd_12_26_9_hist'] });
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('time,ibs,rsi_2,rsi_14,atr_14,macd_12_26_9,macd_12_26_9_signal,macd_12_26_9_hist');
    expect(lines).toHaveLength(250);
    const first = lines[1]!.split(',');
    expect(first[0]).toBe('2000-09-27');
    // IBS of the first bar: (60.625 − 59.8125) / (63.5625 − 59.8125).
    expect(Number(first[1])).toBeCloseTo((60.625 - 59.8125) / (63.5625 - 59.8125), 12);
    expect(first.slice(2)).toEqual(['', '', '', '', '', '']);
    expect(lines[3]!.split(',')[2]).not.toBe('');
    expect(lines[14]!.split(',')[3]).toBe('');
    expect(lines[16]!.split(',')[3]).not.toBe('');
    expect(lines[34]!.split(',')[7]).not.toBe('');
  });

  it('refuses unknown features, bad parameters and missing columns with exit code 2, writing nothing', () => {
    const input = path.join(dir, 'no-volume.csv');
    fs.writeFileSync(input, 'Date,Open,High,Low,Close\n2024-01-02,1,2,0.5,1.5\n');
    const cases: [string, string, RegExp][] = [
      [sharedData('real', 'msft.csv'), 'ibs,foo(3)', /unknown feature "foo"/],
      [sharedData('real', 'msft.csv'), 'rsi(0)', /rsi\(0\).*between 1 and 10000/],
      [sharedData('real', 'msft.csv'), 'rsi(abc)', /must be a number, got "abc"/],
      [input, 'ibs', /no-volume\.csv: line 1: no volume column/],
      [path.join(dir, 'absent.csv'), 'ibs', /absent\.csv: cannot read it/],
    ];
    for (const [file, features, re] of cases) {
      const out = path.join(dir, 'never.csv');
      const r = qd(['features', 'compute', '--input', file, '--features', features, '--out', out]);
      expect(r.code, features).toBe(2);
      expect(r.err).toMatch(re);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  it('refuses a build of a set naming symbols the lake lacks, a malformed build id and bad horizons, with exit code 2', () => {
    const home = tempDir('qd-features-cli-home-');
    const build = qd(['--home', home, 'features', 'build', '--set', 'default', '--json']);
    expect(build.code).toBe(2);
    expect(JSON.parse(build.out).error.message).toMatch(/refers to symbol ES, which the lake lacks/);
    expect(fs.existsSync(path.join(home, 'lake', 'silver', 'features'))).toBe(false);
    const promote = qd(['--home', home, 'dataset', 'promote', '--build', 'nonsense']);
    expect(promote.code).toBe(2);
    expect(promote.err).toMatch(/build id "nonsense" is not <set>@<hash>/);
    const ic = qd(['--home', home, 'ic', '--set', 'default', '--horizons', '1,x']);
    expect(ic.code).toBe(2);
    expect(ic.err).toMatch(/--horizons: expected whole numbers/);
  });
});
