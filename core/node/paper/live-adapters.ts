import { databentoLive, type DatabentoLiveOptions } from '../vendors/databento-live';
import { polygonAdapter, type LiveAdapter } from './live-feed';

/** Whether a live feed URL names Databento's gateway (`dbn://host:port/DATASET`) rather than a Polygon WebSocket. */
export function isDatabentoFeed(url: string): boolean {
  return url.startsWith('dbn:');
}

/** What to tell a user whose live session has no key for its feed's vendor. */
export function missingFeedKey(url: string): string {
  return isDatabentoFeed(url)
    ? "a live session on Databento's gateway needs a Databento API key: store it in Settings (vendor keys) or set DATABENTO_API_KEY"
    : 'a live session needs a Polygon API key: store it in Settings (vendor keys) or set POLYGON_API_KEY';
}

/**
 * The adapter for a live feed URL: Databento's gateway (MBP-10, trades closed into minutes, the book
 * handed to `onBook`, replayed from `replayFromMs` when given) or a Polygon WebSocket of minute aggregates.
 */
export function liveAdapter(url: string, key: string, symbols: readonly string[], onBook?: DatabentoLiveOptions['onBook'], replayFromMs?: number): LiveAdapter {
  if (!isDatabentoFeed(url)) return polygonAdapter({ url, key, symbols });
  const u = new URL(url);
  const dataset = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'GLBX.MDP3';
  return databentoLive({ host: u.hostname, port: Number(u.port || 13000), key, dataset, symbols, ...(onBook ? { onBook } : {}), ...(replayFromMs !== undefined ? { replayFromNs: BigInt(Math.floor(replayFromMs)) * 1_000_000n } : {}) });
}
