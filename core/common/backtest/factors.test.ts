import { describe, expect, it } from 'vitest';
import { rng } from '../models/gbdt';
import { factorRegression, parseFactorCsv } from './factors';

const FF = `This file was created by CMPT_ME_BEME_RETS_DAILY using the 202401 CRSP database.

,Mkt-RF,SMB,HML,RF
20240102,  -0.71,  -0.27,   0.93,   0.02
20240103,  -1.04,  -0.48,   0.56,   0.02
20240104,  -0.32,   0.12,  -0.21,   0.02

 Annual Factors: January-December
,Mkt-RF,SMB,HML,RF
2024,  20.0,  -5.0,  -8.0,   5.0
`;

describe('factor files and factor regression', () => {
  it('reads a Kenneth French daily file: the header, the dated block in percent, nothing after it', () => {
    const f = parseFactorCsv(FF, 'F-F.csv', true);
    expect(f.names).toEqual(['Mkt-RF', 'SMB', 'HML', 'RF']);
    expect(Array.from(f.day)).toEqual([Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3), Date.UTC(2024, 0, 4)].map((x) => x / 86_400_000));
    expect(f.columns[0]![1]).toBeCloseTo(-0.0104, 15);
    expect(parseFactorCsv('date,MKT\n2024-01-02,0.001\n2024-01-03,-0.002\n', 'f.csv', false).columns[0]![1]).toBe(-0.002);
  });

  it('names the line of a bad value, a date out of order and a missing header', () => {
    expect(() => parseFactorCsv(',A,B\n20240102,1,x\n', 'f.csv', true)).toThrow(/f\.csv: line 2: B is "x", not a number/);
    expect(() => parseFactorCsv(',A\n20240102,1\n20240102,2\n', 'f.csv', true)).toThrow(/line 3: 20240102 is not after the date before it/);
    expect(() => parseFactorCsv(',A\n20240102,1,2\n', 'f.csv', true)).toThrow(/line 2: 2 values for 1 factors/);
    expect(() => parseFactorCsv('nothing here\n', 'f.csv', true)).toThrow(/f\.csv: no header row naming factors/);
  });

  it('recovers known loadings and alpha from returns built from the factors, in excess of RF', () => {
    const r = rng(5);
    const n = 400;
    const day = Float64Array.from({ length: n }, (_, i) => 19_000 + i);
    const cols = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => (r() - 0.5) * 0.02));
    const rf = new Float64Array(n).fill(0.0001);
    const returns = Float64Array.from({ length: n }, (_, i) => 0.0002 + 1.5 * cols[0]![i]! - 0.5 * cols[1]![i]! + rf[i]! + (r() - 0.5) * 1e-5);
    const reg = factorRegression(day, returns, { day, names: ['MKT', 'SMB', 'HML', 'RF'], columns: [...cols, rf] });
    expect(reg.n).toBe(n);
    expect(reg.excessOfRf).toBe(true);
    expect(reg.betas.MKT!.beta).toBeCloseTo(1.5, 3);
    expect(reg.betas.SMB!.beta).toBeCloseTo(-0.5, 3);
    expect(reg.betas.HML!.beta).toBeCloseTo(0, 3);
    expect(reg.alpha).toBeCloseTo(0.0002 * 252, 3);
    expect(reg.r2).toBeGreaterThan(0.999);
    expect(Math.abs(reg.betas.MKT!.t)).toBeGreaterThan(100);
    expect(() => factorRegression(day, returns, { day, names: ['A', 'B'], columns: [cols[0]!, cols[0]!] })).toThrow(/collinear/);
    expect(() => factorRegression(day.subarray(0, 3), returns.subarray(0, 3), { day, names: ['A'], columns: [cols[0]!] })).toThrow(/only 3 days/);
  });
});
