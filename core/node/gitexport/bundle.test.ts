import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { PortfolioRun } from '../../common/backtest/types';
import { checkBundleDir, portfolioYaml, stableJson } from './bundle';
import { portfolioFromYaml } from './import';

const name = fc.stringMatching(/^[A-Z][A-Z0-9]{0,5}$/);
const limit = fc.option(fc.double({ min: 0.001, max: 1e6, noNaN: true }), { nil: undefined });
const config: fc.Arbitrary<PortfolioRun['config']> = fc.record({
  instruments: fc.array(
    fc.record({
      name,
      symbol: name,
      run: fc.constantFrom('by hand', '20240101-000000-1a2b3c4d'),
      strategy: fc.constantFrom('ibs', 'ibs+ml', 'rsi'),
      params: fc.dictionary(fc.stringMatching(/^[a-z][a-z_]{0,10}$/), fc.double({ min: -100, max: 100, noNaN: true })),
      timeframe: fc.constantFrom('1m', '15m', '1d'),
      model: fc.option(fc.constantFrom('es-dir@1', 'nq@3'), { nil: null }),
      threshold: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
      ruleOnly: fc.option(fc.constant(true), { nil: undefined }),
    }, { requiredKeys: ['name', 'symbol', 'run', 'strategy', 'params', 'timeframe', 'model', 'threshold'] }),
    { maxLength: 4 },
  ),
  maxPositions: fc.integer({ min: 1, max: 10 }),
  sizing: fc.option(fc.record({ kind: fc.constant('fixed'), contracts: fc.integer({ min: 1, max: 9 }) }), { nil: undefined }),
  riskLimits: fc.record({ maxDrawdown: limit, dailyLoss: limit, maxPosition: limit, maxGrossExposure: limit, staleBars: limit }, { requiredKeys: [] }),
  objective: fc.constantFrom('sharpe', 'cagr_over_maxdd'),
  split: fc.constantFrom('2024-03-01', '2025-12-31'),
  terms: fc.option(
    fc.record({
      capital: fc.integer({ min: 1, max: 1e9 }),
      fillAt: fc.constantFrom('next_open' as const, 'close' as const),
      commission: fc.double({ min: 0, max: 100, noNaN: true }),
      commissionBps: fc.double({ min: 0, max: 100, noNaN: true }),
      minCommission: fc.double({ min: 0, max: 10, noNaN: true }),
      slippageTicks: fc.integer({ min: 0, max: 5 }),
      slippageBps: fc.double({ min: 0, max: 50, noNaN: true }),
      slippageRange: fc.double({ min: 0, max: 1, noNaN: true }),
      participation: fc.double({ min: 0, max: 1, noNaN: true }),
      contracts: fc.dictionary(
        fc.constantFrom('ES', 'NQ', 'CL', 'BRK.B', 'ES_1'),
        fc.record({ multiplier: fc.double({ min: 0.01, max: 1000, noNaN: true }), tickSize: fc.double({ min: 0.0001, max: 10, noNaN: true }), currency: fc.constantFrom('USD', 'EUR'), maintenanceMargin: fc.double({ min: 0, max: 1e6, noNaN: true }) }),
      ),
    }, { requiredKeys: ['capital', 'fillAt', 'commission', 'commissionBps', 'minCommission', 'slippageTicks', 'slippageBps', 'slippageRange', 'participation'] }),
    { nil: undefined },
  ),
}, { requiredKeys: ['instruments', 'maxPositions', 'sizing', 'riskLimits', 'objective', 'split'] });

/** Drops keys whose value is undefined, as JSON does. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe('portfolio.yml', () => {
  it('reads back as the portfolio it was written from, and writes the same bytes again', () => {
    fc.assert(
      fc.property(config, (c) => {
        const text = portfolioYaml('desk', c);
        const back = portfolioFromYaml(parseYaml(text) as Record<string, unknown>);
        expect(back.id).toBe('desk');
        expect(plain(back.config)).toEqual(plain(c));
        expect(portfolioYaml('desk', back.config)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses terms a hand-edited portfolio.yml breaks, naming the field', () => {
    const text = portfolioYaml('desk', { instruments: [], maxPositions: 1, sizing: undefined, riskLimits: {}, objective: 'sharpe', split: '2024-03-01', terms: { capital: 1e5, fillAt: 'next_open', commission: 2.5, commissionBps: 0, minCommission: 0, slippageTicks: 1, slippageBps: 0, slippageRange: 0, participation: 0 } });
    const doc = parseYaml(text) as { terms: Record<string, unknown> };
    const es = { multiplier: 50, tick_size: 0.25, currency: 'USD', maintenance_margin: 14_500 };
    for (const [key, value, why] of [
      ['commission', -1, /terms\.commission: /],
      ['fill_at', 'whenever', /terms\.fill_at: /],
      ['capital', '1e5', /terms\.capital: /],
      ['leverage', 10, /terms: Unrecognized key: "leverage"/],
      ['contracts', { ES: { ...es, maintenance_margin: -5 } }, /terms\.contracts\.ES\.maintenance_margin: /],
      ['contracts', { ES: { ...es, tick_size: 0 } }, /terms\.contracts\.ES\.tick_size: tick size must be above 0/],
      ['contracts', { ES: { ...es, currency: 'dollars' } }, /terms\.contracts\.ES\.currency: expected a currency code/],
      ['contracts', { 'es mini': es }, /terms\.contracts\.es mini: /],
      ['contracts', { ES: { ...es, margin: 1 } }, /terms\.contracts\.ES: Unrecognized key: "margin"/],
    ] as const) {
      expect(() => portfolioFromYaml({ ...doc, terms: { ...doc.terms, [key]: value } }), key).toThrow(why);
    }
  });

  it('keeps date-like and yes/no strings quoted for YAML 1.1 readers', () => {
    const text = portfolioYaml('desk', { instruments: [], maxPositions: 1, sizing: undefined, riskLimits: {}, objective: 'sharpe', split: '2024-03-01' });
    expect(text).toMatch(/^split: "2024-03-01"$/m);
  });
});

describe('bundle helpers', () => {
  it('writes JSON with sorted keys at every level', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n');
  });

  it('accepts relative bundle folders only', () => {
    expect(checkBundleDir('./config/trading/')).toBe('config/trading');
    for (const bad of ['/abs', '../up', 'a/../b', '', 'C:/x', 'a/.git']) expect(() => checkBundleDir(bad)).toThrow(/relative path inside the repository/);
  });
});
