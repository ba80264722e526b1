import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import { forwardReturns, icStats, type IcStats } from '../../common/features/ic';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { calendarFor } from '../calendar';
import { readFloat64Columns, sqlString } from '../lake/duck-columns';
import { publishFile } from '../lake/publish';
import { sessionDays, sessionSeries, type SymbolRequest } from './silver-build';

/** A build's manifest.json, as the silver build writes it. */
export interface Manifest {
  set: string;
  hash: string;
  buildId: string;
  codeVersion: string;
  spec: { timeframe: string; session: string; features: string[]; labels: string[]; book?: string[]; options?: string[]; evaluate?: { from: string; to: string } };
  columns: string[];
  symbols: Record<string, { rows: number; inputs: unknown[]; months: Record<string, { file: string }> }>;
  /** Every symbol a build of this set was asked for, and how its last build went (absent in manifests before it was kept). */
  requested?: Record<string, SymbolRequest>;
}

/** Symbols a build was asked for that it does not hold complete, each with what happened to it. */
export function incompleteSymbols(m: Manifest): { symbol: string; status: string }[] {
  return Object.entries(m.requested ?? {})
    .filter(([symbol, r]) => r.status !== 'built' || !m.symbols[symbol])
    .map(([symbol, r]) => ({ symbol, status: r.status === 'pending' ? 'interrupted' : r.status === 'failed' ? `failed: ${r.error ?? 'unknown error'}` : r.status === 'built' ? 'missing from the manifest' : r.status }));
}

/**
 * Refuses an incomplete build for work that would silently use only part of it (IC, promotion,
 * training, export), naming the missing symbols; `allowPartial` takes the built ones instead and the
 * caller records the returned list of missing symbols with its result.
 */
export function requireComplete(m: Manifest, allowPartial: boolean | undefined, what: string): string[] {
  const missing = incompleteSymbols(m);
  if (missing.length === 0) return [];
  if (allowPartial) return missing.map((x) => x.symbol);
  throw new ApiError(
    'invalid_argument',
    `build ${m.buildId} is incomplete: ${missing.map((x) => `${x.symbol} (${x.status})`).join(', ')}; ${what} needs every symbol the build was asked for. Finish it with quantdesk features build --set ${m.set}, or pass --allow-partial to use the ${Object.keys(m.symbols).length} built symbols (recorded with the result)`,
    'build',
  );
}

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };

/** Reads a build's manifest from its id (`<set>@<hash>`). */
export function readBuild(lakeRoot: string, buildId: string): Manifest {
  const m = /^([A-Za-z0-9][A-Za-z0-9_-]*)@([0-9a-f]{16})$/.exec(buildId);
  if (!m) throw new ApiError('invalid_argument', `build id "${buildId}" is not <set>@<hash>, e.g. default@ea3fa09ff7683486 (features build prints it)`, 'build');
  const file = path.join(lakeRoot, 'silver', 'features', m[1]!, m[2]!, 'manifest.json');
  if (!fs.existsSync(file)) throw new ApiError('invalid_argument', `no build ${buildId} in the lake; run quantdesk features build --set ${m[1]} first`, 'build');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
}

/** A symbol's month files of a build, as a DuckDB list literal's items. */
export const fileList = (lakeRoot: string, sym: Manifest['symbols'][string]): string => Object.values(sym.months).map((x) => sqlString(path.join(lakeRoot, x.file))).join(', ');

/** The result of an IC analysis. */
export interface IcReport {
  buildId: string;
  horizons: number[];
  stats: IcStats[];
  /** Symbols the build was asked for but lacks, when the analysis was run on a partial build (--allow-partial). */
  partial?: string[];
}

/**
 * IC analysis of every feature column of a build against forward log returns of the close over each
 * horizon: per-session correlations (per-month for daily bars) pooled over the build's symbols.
 */
export async function icReport(ctx: Ctx, m: Manifest, horizons: number[], allowPartial?: boolean, progress: (done: number, total: number, unit: string, detail: string) => void = () => undefined): Promise<IcReport> {
  const partial = requireComplete(m, allowPartial, 'an IC analysis');
  const features = m.columns.filter((c) => c !== 'close' && !c.startsWith('label_'));
  const perSymbol: { close: Float64Array; period: Int32Array; cols: Float64Array[] }[] = [];
  for (const [symbol, sym] of Object.entries(m.symbols)) {
    const [t, close, ...cols] = await readFloat64Columns(ctx.con, `SELECT epoch_ms(ts)::DOUBLE, close, ${features.map((f) => `"${f}"::DOUBLE`).join(', ')} FROM read_parquet([${fileList(ctx.home.lake, sym)}]) ORDER BY ts`);
    const daily = m.spec.timeframe === '1d' || m.spec.timeframe === '1w';
    // Intraday: one period per exchange session (a CME session opens the evening before its date); daily bars: per calendar month.
    const period = daily ? Int32Array.from(t!, (x) => new Date(x).getUTCFullYear() * 12 + new Date(x).getUTCMonth()) : sessionDays(t!, calendarFor(ctx.catalog, symbol));
    perSymbol.push({ close: close!, period, cols });
  }
  const stats: IcStats[] = [];
  const total = horizons.length * features.length;
  for (const h of horizons) {
    const fwd = perSymbol.map((s) => forwardReturns(s.close, h));
    features.forEach((f, j) => {
      stats.push(icStats(f, h, perSymbol.map((s, k) => ({ feature: s.cols[j]!, forward: fwd[k]!, period: s.period }))));
      progress(stats.length, total, 'feature × horizon pairs', `${f} at ${h} bars`);
    });
  }
  return { buildId: m.buildId, horizons, stats, ...(partial.length ? { partial } : {}) };
}

/** Filters a promotion may apply. */
export type PromoteFilter = 'rth' | 'complete' | `from=${string}` | `to=${string}`;

/** What a promotion wrote. */
export interface PromoteResult {
  name: string;
  version: number;
  dir: string;
  source: string;
  filters: string[];
  rows: number;
  symbols: Record<string, number>;
  labelBalance: Record<string, Record<string, number>>;
  /** Symbols the build was asked for but lacks, when promoted with --allow-partial. */
  partial?: string[];
}

/**
 * Promotes a silver build to a versioned gold training dataset (`gold/datasets/<set>/v<N>/`):
 * data.parquet with a symbol column, filtered, plus metadata.json (source build, filters, row counts,
 * label balance). Filters: rth (regular hours by the symbol's calendar), complete (no empty feature,
 * i.e. warm-up dropped), from=YYYY-MM-DD, to=YYYY-MM-DD.
 */
export async function promoteDataset(ctx: Ctx, buildId: string, filters: string[], allowPartial?: boolean): Promise<PromoteResult> {
  const m = readBuild(ctx.home.lake, buildId);
  const partial = requireComplete(m, allowPartial, 'promotion to a gold dataset');
  const where: string[] = [];
  for (const f of filters) {
    const date = /^(from|to)=(\d{4}-\d{2}-\d{2})$/.exec(f);
    if (f === 'rth' || f === 'complete') continue;
    if (date) where.push(`ts ${date[1] === 'from' ? '>=' : '<'} TIMESTAMP '${date[2]}'${date[1] === 'to' ? " + INTERVAL 1 DAY" : ''}`);
    else throw new ApiError('invalid_argument', `--filter ${f}: expected rth, complete, from=YYYY-MM-DD or to=YYYY-MM-DD`, 'filter');
  }
  const features = m.columns.filter((c) => c !== 'close' && !c.startsWith('label_'));
  if (filters.includes('complete')) where.push(features.map((c) => `"${c}" IS NOT NULL`).join(' AND '));
  const parts: string[] = [];
  for (const [symbol, sym] of Object.entries(m.symbols).sort(([a], [b]) => a.localeCompare(b))) {
    let rth = '';
    if (filters.includes('rth')) {
      const cal = calendarFor(ctx.catalog, symbol);
      if (!cal) throw new ApiError('invalid_argument', `--filter rth: ${symbol} has no exchange calendar; import it with --calendar or drop the filter`, 'filter');
      const [t] = await readFloat64Columns(ctx.con, `SELECT epoch_ms(ts)::DOUBLE FROM read_parquet([${fileList(ctx.home.lake, sym)}]) ORDER BY ts`);
      const s = sessionSeries({ symbol, timeframe: '1m', t: t!, o: t!, h: t!, l: t!, c: t!, v: t! }, cal);
      const windows = new Set<string>();
      for (let i = 0; i < t!.length; i++) if (Number.isFinite(s.rthStart[i]!)) windows.add(`(${s.rthStart[i]}, ${s.rthEnd[i]})`);
      rth = windows.size ? ` AND EXISTS (SELECT 1 FROM (VALUES ${[...windows].join(', ')}) w(a, b) WHERE epoch_ms(ts) >= w.a AND epoch_ms(ts) < w.b)` : ' AND false';
    }
    parts.push(`SELECT ${sqlString(symbol)} AS symbol, * FROM read_parquet([${fileList(ctx.home.lake, sym)}]) WHERE ${where.length ? where.join(' AND ') : 'true'}${rth}`);
  }
  const root = path.join(ctx.home.lake, 'gold', 'datasets', m.set);
  const version = 1 + Math.max(0, ...(fs.existsSync(root) ? fs.readdirSync(root) : []).map((d) => Number(/^v(\d+)$/.exec(d)?.[1] ?? 0)));
  const rel = `gold/datasets/${m.set}/v${version}`;
  const staged = path.join(ctx.home.tmp, `gold-${m.set}-v${version}.parquet`);
  await ctx.con.run(`COPY (${parts.join(' UNION ALL ')} ORDER BY symbol, ts) TO ${sqlString(staged)} (FORMAT parquet, COMPRESSION zstd)`);
  const read = `read_parquet(${sqlString(staged)})`;
  const counts = (await ctx.con.runAndReadAll(`SELECT symbol, count(*)::DOUBLE FROM ${read} GROUP BY symbol ORDER BY symbol`)).getRowsJS() as [string, number][];
  const labelBalance: PromoteResult['labelBalance'] = {};
  for (const l of m.columns.filter((c) => c.startsWith('label_') && !/_(bars|excursion)$/.test(c) && c !== 'label_r')) {
    const rows = (await ctx.con.runAndReadAll(`SELECT coalesce(CAST("${l}" AS VARCHAR), 'empty'), count(*)::DOUBLE FROM ${read} GROUP BY 1 ORDER BY 1`)).getRowsJS() as [string, number][];
    labelBalance[l] = Object.fromEntries(rows);
  }
  const result: PromoteResult = { name: m.set, version, dir: rel, source: buildId, filters, rows: counts.reduce((a, [, n]) => a + n, 0), symbols: Object.fromEntries(counts), labelBalance, ...(partial.length ? { partial } : {}) };
  fs.mkdirSync(path.join(ctx.home.lake, rel), { recursive: true });
  publishFile(staged, path.join(ctx.home.lake, rel, 'data.parquet'));
  const meta = path.join(ctx.home.tmp, `gold-${m.set}-v${version}.json`);
  fs.writeFileSync(meta, `${JSON.stringify({ ...result, spec: m.spec, columns: ['symbol', 'ts', ...m.columns] }, null, 2)}\n`);
  publishFile(meta, path.join(ctx.home.lake, rel, 'metadata.json'));
  return result;
}
