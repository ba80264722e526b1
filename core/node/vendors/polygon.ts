import type { BarColumns } from '../demo/demo-market';
import { polygonTradingDate } from '../ingest/csv-import';
import { readCapped, redact, sameOrigin, VendorError, VendorHttp, type RetryPolicy } from './http';

/** Largest page of aggregates read (50,000 bars are about 5 MiB). */
const MAX_PAGE_BYTES = 256 << 20;

/** Polygon aggregate bar as the v2 aggs endpoint returns it; any field may be absent or null in a bad answer. */
interface PolygonAgg {
  t?: unknown;
  o?: unknown;
  h?: unknown;
  l?: unknown;
  c?: unknown;
  v?: unknown;
}

const TIMESPAN: Record<string, [number, string]> = { '1m': [1, 'minute'], '1h': [1, 'hour'], '1d': [1, 'day'] };

/**
 * Aggregates of one ticker from Polygon's `/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}`,
 * following `next_url` pages, in the answer's order (the bar gate sorts and judges them). Times are epoch ms;
 * daily bars come back at their trading date (UTC midnight).
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
    let body: { status?: string; results?: PolygonAgg[]; next_url?: string; error?: string };
    try {
      body = JSON.parse(Buffer.from(await readCapped(res, MAX_PAGE_BYTES, `Polygon ${o.ticker}`)).toString('utf8')) as typeof body;
    } catch (e) {
      throw e instanceof VendorError ? e : new VendorError(redact(`Polygon ${o.ticker}: the answer is not JSON (${(e as Error).message})`, [o.apiKey]));
    }
    if (body.status === 'ERROR') throw new VendorError(redact(`Polygon: ${String(body.error ?? 'error').slice(0, 500)}`, [o.apiKey]));
    if (!Array.isArray(body.results ?? [])) throw new VendorError(`Polygon ${o.ticker}: results is not a list`);
    rows.push(...(body.results ?? []));
    const next = body.next_url;
    if (next !== undefined && !sameOrigin(String(next), o.baseUrl)) throw new VendorError(redact(`Polygon ${o.ticker}: the next page is on another host (${String(next).split('?')[0]!.slice(0, 200)}); Quantdesk follows pages only on ${new URL(o.baseUrl).origin}, where the key belongs`, [o.apiKey]));
    url = next;
  }
  const n = rows.length;
  const out: BarColumns = { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  // A field that is missing, null or not a number stays NaN for the bar gate to reject (null is not 0).
  const num = (x: unknown): number => (typeof x === 'number' ? x : Number.NaN);
  rows.forEach((r, i) => {
    const t = num(r?.t);
    out.t[i] = o.timeframe === '1d' && Number.isFinite(t) ? polygonTradingDate(t) : t;
    out.o[i] = num(r?.o);
    out.h[i] = num(r?.h);
    out.l[i] = num(r?.l);
    out.c[i] = num(r?.c);
    out.v[i] = num(r?.v);
  });
  return out;
}
