import type { BarColumns } from '../demo/demo-market';
import { polygonTradingDate } from '../ingest/csv-import';
import { VendorError, VendorHttp, type RetryPolicy } from './http';

/** Polygon aggregate bar as the v2 aggs endpoint returns it. */
interface PolygonAgg {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

const TIMESPAN: Record<string, [number, string]> = { '1m': [1, 'minute'], '1h': [1, 'hour'], '1d': [1, 'day'] };

/**
 * Aggregates of one ticker from Polygon's `/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}`,
 * following `next_url` pages. Times are epoch ms; daily bars come back at their trading date (UTC midnight).
 */
export async function fetchPolygonAggs(o: { baseUrl: string; apiKey: string; ticker: string; timeframe: string; from: string; to: string; policy?: RetryPolicy }): Promise<BarColumns> {
  const span = TIMESPAN[o.timeframe];
  if (!span) throw new VendorError(`Polygon backfills support ${Object.keys(TIMESPAN).join(', ')}, not ${o.timeframe}`);
  const http = new VendorHttp('Polygon', [o.apiKey], o.policy);
  const rows: PolygonAgg[] = [];
  const auth = { headers: { authorization: `Bearer ${o.apiKey}` } };
  let url: string | undefined = `${o.baseUrl}/v2/aggs/ticker/${encodeURIComponent(o.ticker)}/range/${span[0]}/${span[1]}/${o.from}/${o.to}?adjusted=true&sort=asc&limit=50000`;
  for (let page = 0; url && page < 10_000; page++) {
    const res = await http.request(url, auth);
    const body = (await res.json()) as { status?: string; results?: PolygonAgg[]; next_url?: string; error?: string };
    if (body.status === 'ERROR') throw new VendorError(`Polygon: ${body.error ?? 'error'}`);
    rows.push(...(body.results ?? []));
    url = body.next_url;
  }
  rows.sort((a, b) => a.t - b.t);
  const n = rows.length;
  const out: BarColumns = { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  rows.forEach((r, i) => {
    out.t[i] = o.timeframe === '1d' ? polygonTradingDate(r.t) : r.t;
    out.o[i] = r.o;
    out.h[i] = r.h;
    out.l[i] = r.l;
    out.c[i] = r.c;
    out.v[i] = r.v;
  });
  return out;
}
