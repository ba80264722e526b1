import { noBars, type BarColumns } from '../demo/demo-market';
import { decodeDbn } from '../ingest/dbn';
import { readCapped, saveCapped, VendorError, VendorHttp, type RetryPolicy } from './http';
import { inflateCap } from '../untrusted-files';

const SCHEMA: Record<string, string> = { '1s': 'ohlcv-1s', '1m': 'ohlcv-1m', '1h': 'ohlcv-1h', '1d': 'ohlcv-1d' };

/** A request to Databento's historical API. */
interface RangeRequest {
  baseUrl: string;
  apiKey: string;
  dataset: string;
  symbol: string;
  startMs: number;
  endMs: number;
  policy?: RetryPolicy;
}

/** Databento's historical `timeseries.get_range` for one symbol and schema (HTTP, basic auth with the key as user name), answering zstd-compressed DBN. */
async function requestRange(o: RangeRequest & { schema: string }): Promise<Response> {
  const http = new VendorHttp('Databento', [o.apiKey], o.policy);
  const form = new URLSearchParams({
    dataset: o.dataset,
    symbols: o.symbol,
    schema: o.schema,
    start: new Date(o.startMs).toISOString(),
    end: new Date(o.endMs).toISOString(),
    // `ES.OPT` names every option on ES, `ES.FUT` every future: Databento's parent symbology.
    stype_in: /\.(OPT|FUT)$/.test(o.symbol) ? 'parent' : 'raw_symbol',
    encoding: 'dbn',
    compression: 'zstd',
  });
  return http.request(`${o.baseUrl}/v0/timeseries.get_range`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${o.apiKey}:`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
}

/** The records of one symbol and schema as DBN bytes (empty when there are none), held in memory: at most the inflate cap. */
export async function fetchDatabentoDbn(o: RangeRequest & { schema: string }): Promise<Uint8Array> {
  return readCapped(await requestRange(o), inflateCap(), `Databento ${o.dataset} ${o.symbol} ${o.schema}`);
}

/** Compressed bytes one day of one symbol may come to when saved to disk (a busy ES MBP-10 day is a few GiB). */
const MAX_SAVED_BYTES = 64 * 2 ** 30;

/** The records of one symbol and schema saved to `file` as they arrive (a day of book records runs to gigabytes); returns the bytes saved. */
export async function saveDatabentoDbn(o: RangeRequest & { schema: string }, file: string, onBytes?: (size: number) => void): Promise<number> {
  return saveCapped(await requestRange(o), file, MAX_SAVED_BYTES, `Databento ${o.dataset} ${o.symbol} ${o.schema}`, onBytes);
}

/** OHLCV bars of one symbol from Databento's historical API, decoded here. */
export async function fetchDatabentoBars(o: RangeRequest & { timeframe: string }): Promise<BarColumns> {
  const schema = SCHEMA[o.timeframe];
  if (!schema) throw new VendorError(`Databento backfills support ${Object.keys(SCHEMA).join(', ')}, not ${o.timeframe}`);
  const bytes = await fetchDatabentoDbn({ ...o, schema });
  if (bytes.length === 0) return noBars();
  const f = decodeDbn(bytes, `Databento ${o.dataset} ${o.symbol} ${schema}`);
  const b = f.ohlcv!;
  const day = o.timeframe === '1d';
  return { t: day ? b.tsMs.map((x) => Math.floor(x / 86_400_000) * 86_400_000) : b.tsMs, o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume };
}
