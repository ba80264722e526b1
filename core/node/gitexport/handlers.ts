import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Handlers } from '../../common/api';
import { ApiError } from '../../common/errors';
import type { ExportSettings } from '../../common/gitexport/types';
import type { PortfolioRun } from '../../common/backtest/types';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { writeJsonAtomically } from '../lake/publish';
import { loadPortfolio } from '../paper/replay';
import { storedPortfolios } from './bundle';
import { previewExport, runExport, type ExportContext } from './export';
import { importConfig } from './import';

/** Catalog settings behind ExportSettings, one key per field. */
const KEYS = { repo: 'export.repo', dir: 'export.dir', remote: 'export.remote', portfolio: 'export.portfolio', author: 'export.author', minimums: 'export.minimums' } as const;

/** A model must beat chance on its test period unless Settings say otherwise. */
const DEFAULT_MINIMUMS = { auc: 0.5 };

/** The git export settings stored in the catalog, with their defaults. */
export function exportSettings(catalog: Catalog): ExportSettings {
  const get = (k: keyof typeof KEYS): string | undefined => catalog.getSetting(KEYS[k]);
  return {
    repo: get('repo') ?? null,
    dir: get('dir') ?? 'quantdesk',
    remote: get('remote') ?? 'origin',
    portfolio: get('portfolio') ?? null,
    author: get('author') ? (JSON.parse(get('author')!) as ExportSettings['author']) : null,
    minimums: get('minimums') ? (JSON.parse(get('minimums')!) as Record<string, number>) : DEFAULT_MINIMUMS,
  };
}

/** Stores the fields given (null clears one back to its default). */
function setExportSettings(catalog: Catalog, patch: Partial<ExportSettings>): ExportSettings {
  for (const [field, key] of Object.entries(KEYS) as [keyof ExportSettings, string][]) {
    if (!(field in patch)) continue;
    const v = patch[field];
    if (v === null || v === undefined) catalog.db.prepare('DELETE FROM settings WHERE key = ?').run(key);
    else catalog.setSetting(key, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return exportSettings(catalog);
}

/** A stored portfolio's instruments as the export dialog lists them. */
const instrumentsOf = (c: PortfolioRun['config']): { name: string; symbol: string; model: string | null; ruleOnly: boolean }[] => c.instruments.map((i) => ({ name: i.name, symbol: i.symbol, model: i.model, ruleOnly: i.ruleOnly === true }));

/** The config.* and settings.*Export handlers: export to git, import from it, and what they need. */
export function configHandlers(o: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection; resources: string; version: string; secrets: () => string[]; writable: () => void }): Pick<Handlers, 'config.portfolios' | 'config.setRuleOnly' | 'config.preview' | 'config.export' | 'config.import' | 'settings.export' | 'settings.setExport'> {
  const ctx = (): ExportContext => ({ home: o.home, catalog: o.catalog, con: o.con, resources: o.resources, version: o.version, settings: exportSettings(o.catalog), secrets: o.secrets() });
  return {
    'config.portfolios': async () => storedPortfolios(o.home).map((id) => ({ id, instruments: instrumentsOf(loadPortfolio(o.home, o.catalog, id)) })),
    'config.setRuleOnly': async (a) => {
      o.writable();
      const file = path.join(o.home.lake, 'gold', 'portfolios', a.portfolio, 'portfolio.json');
      if (!fs.existsSync(file)) throw new ApiError('not_found', `no stored portfolio ${a.portfolio}`, 'portfolio');
      const config = loadPortfolio(o.home, o.catalog, a.portfolio);
      const unknown = a.instruments.filter((n) => !config.instruments.some((i) => i.name === n));
      if (unknown.length) throw new ApiError('invalid_argument', `portfolio ${a.portfolio} has no instrument ${unknown.join(', ')}; it holds ${config.instruments.map((i) => i.name).join(', ')}`, 'instruments');
      const next = { ...config, instruments: config.instruments.map(({ ruleOnly: _r, ...i }) => ({ ...i, ...(a.instruments.includes(i.name) ? { ruleOnly: true } : {}) })) };
      writeJsonAtomically(file, next, o.home.tmp);
      return { id: a.portfolio, instruments: instrumentsOf(next) };
    },
    'config.preview': async (a) => previewExport(ctx(), a),
    'config.export': async (a) => {
      o.writable();
      return runExport(ctx(), a);
    },
    'config.import': async (a) => {
      o.writable();
      return importConfig({ home: o.home, catalog: o.catalog, setPortfolio: (id) => o.catalog.setSetting(KEYS.portfolio, id) }, a);
    },
    'settings.export': async () => exportSettings(o.catalog),
    'settings.setExport': async (a) => setExportSettings(o.catalog, a as Partial<ExportSettings>),
  };
}
