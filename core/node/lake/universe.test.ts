import { describe, expect, it } from 'vitest';
import { tickerClass } from './universe';

describe('ticker classes in US flat files', () => {
  it('tells common stock from warrants, units, rights and preferred shares', () => {
    expect(['AAPL', 'BRK.A', 'GOOGL', 'F'].map(tickerClass)).toEqual(['common', 'common', 'common', 'common']);
    expect(['BACpL', 'JPM.PRD', 'WFC-PY'].map(tickerClass)).toEqual(['preferred', 'preferred', 'preferred']);
    expect(['ACMEW', 'XYZ.WS', 'ABC.W'].map(tickerClass)).toEqual(['warrant', 'warrant', 'warrant']);
    expect(['SPACU', 'ABC.U'].map(tickerClass)).toEqual(['unit', 'unit']);
    expect(['SPACR', 'ABC.R'].map(tickerClass)).toEqual(['right', 'right']);
  });
});
