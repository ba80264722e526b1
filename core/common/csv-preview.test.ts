import { describe, expect, it } from 'vitest';
import { previewCsv, symbolFromFileName, zoneWarning } from './csv-preview';

const sample = (text: string) => previewCsv(text, 8);

describe('the import dialog zone warning', () => {
  it('warns when intraday times without a zone would be read as UTC', () => {
    const usdchf = sample('time,close\n1996-04-01 00:30:00,1.1805\n1996-04-01 01:00:00,1.1806\n');
    expect(zoneWarning(usdchf, 'time', '')).toMatch(/^The times in column time \(e\.g\. 1996-04-01 00:30:00\) are intraday and carry no zone: they will be read as UTC/);
    expect(zoneWarning(usdchf, 'time', 'UTC')).not.toBeNull();
    expect(zoneWarning(usdchf, 'time', 'utc ')).not.toBeNull();
  });

  it('is quiet once a zone is chosen, for times with an offset, for daily dates and for epoch numbers', () => {
    const local = sample('time,close\n1996-04-01 00:30:00,1.18\n');
    expect(zoneWarning(local, 'time', 'Europe/Zurich')).toBeNull();
    expect(zoneWarning(sample('ts,close\n2024-03-01T14:30:00Z,1\n2024-03-01T14:31:00Z,2\n'), 'ts', '')).toBeNull();
    expect(zoneWarning(sample('ts,close\n2024-03-01 09:30:00-05:00,1\n'), 'ts', '')).toBeNull();
    expect(zoneWarning(sample('ts,close\n2024-03-01 09:30:00 UTC,1\n'), 'ts', '')).toBeNull();
    expect(zoneWarning(sample('Date,Close\n2024-03-01,1\n2024-03-04,2\n'), 'Date', '')).toBeNull();
    expect(zoneWarning(sample('t,close\n1709303400000,1\n'), 't', '')).toBeNull();
  });

  it('looks at the clock column where date and time are split, and at nothing when no column is mapped', () => {
    const bt = sample('Date,Time,Open,High,Low,Close,Volume\n2024-03-01,14:30:00,1,2,0.5,1.5,10\n');
    expect(zoneWarning(bt, 'Date', '')).toMatch(/column Time \(e\.g\. 14:30:00\)/);
    expect(zoneWarning(sample('a,b\n1,2\n'), undefined, '')).toBeNull();
    expect(zoneWarning(sample('a,b\n'), 'a', '')).toBeNull();
  });
});

describe('the symbol a file name stands for', () => {
  it('drops the extension and the usual suffixes, in capitals, with only what a symbol may hold', () => {
    expect(symbolFromFileName('/data/CLX_bt.csv')).toBe('CLX');
    expect(symbolFromFileName('C:\\data\\es-daily.csv.gz')).toBe('ES');
    expect(symbolFromFileName('usdchf_30m.csv')).toBe('USDCHF_30M');
    expect(symbolFromFileName('my data (1).txt')).toBe('MYDATA1');
  });
});
