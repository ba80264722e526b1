import { useEffect, useRef, useState } from 'react';
import { CandlestickSeries, createSeriesMarkers, HistogramSeries, LineSeries, type IChartApi, type ISeriesApi, type ISeriesMarkersPluginApi, type SeriesType, type Time, type UTCTimestamp } from 'lightweight-charts';
import { STORED_TIMEFRAME_MS, TIMEFRAMES, type Timeframe } from '../../../core/common/timeframes';
import type { Bars, LakeSeries } from '../../../core/common/types';
import { client } from '../api';
import { isStringList, usePersistentState } from '../hooks';
import { createThemedChart } from '../chart-theme';
import { fmtInt, fmtPrice, fmtTime } from '../format';
import { prependBars, toChartPoints } from './bar-window';
import { indicatorPlots, parseIndicator } from './indicators';

/** One-click indicators; any registry feature can be typed in as well. */
const QUICK = ['sma(50)', 'ema(20)', 'bbands(20,2)', 'vwap', 'rsi(14)', 'macd(12,26,9)', 'atr(14)'];
const COLORS = ['#f5a623', '#4a90e2', '#bd10e0', '#7ed321', '#e94e77', '#50e3c2', '#b8e986'];

/** A bar's length in ms (a week for 1w), to pad a focused trade's window. */
const barMs = (tf: Timeframe): number => (tf === '1w' ? 7 * 86_400_000 : (STORED_TIMEFRAME_MS[tf] ?? 86_400_000));

/** Bars fetched per page; older pages load as the user scrolls left. */
const PAGE = 3000;
/** The most bars kept in the chart at once, so a million-bar series never becomes a million objects. */
const MAX_LOADED = 150_000;

interface Legend {
  time: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** A backtest trade to show: its run's trades of the symbol are drawn as markers, the chart centred on this one. */
export interface ChartFocus {
  runId: string;
  symbol: string;
  timeframe: Timeframe;
  /** Entry and exit time of the trade to centre on, epoch ms. */
  entryTime: number;
  exitTime: number;
}

export function ChartView({ dataVersion, seeding, focus }: { dataVersion: number; seeding: number | null; focus?: ChartFocus | null }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<{ api: IChartApi; candles: ISeriesApi<'Candlestick'>; volume: ISeriesApi<'Histogram'>; markers: ISeriesMarkersPluginApi<Time> } | null>(null);
  const [series, setSeries] = useState<LakeSeries[] | null>(null);
  // The chart's symbol, timeframe and indicators survive a reload and a restart.
  const [symbol, setSymbol] = usePersistentState<string>('chart.symbol', '', (x): x is string => typeof x === 'string' && x.length <= 64);
  const [timeframe, setTimeframe] = usePersistentState<Timeframe>('chart.timeframe', '1h', (x): x is Timeframe => typeof x === 'string' && (TIMEFRAMES as readonly string[]).includes(x));
  const [markers, setMarkers] = useState(0);
  const [legend, setLegend] = useState<Legend | null>(null);
  const [loaded, setLoaded] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const bars = useRef<Bars | null>(null);
  const [indicators, setIndicators] = usePersistentState<string[]>('chart.indicators', [], isStringList);
  const [specText, setSpecText] = useState('');
  const [specError, setSpecError] = useState<string | null>(null);
  const drawn = useRef<ISeriesApi<SeriesType>[]>([]);

  useEffect(() => {
    void client.call('lake.summary', {}).then((all) => {
      // Tick-only symbols (trades) have no bars to draw.
      const s = all.filter((x, i) => x.timeframe !== 'tick' && all.findIndex((y) => y.symbol === x.symbol && y.timeframe !== 'tick') === i);
      setSeries(s);
      setSymbol((cur) => (cur && s.some((x) => x.symbol === cur) ? cur : (s.find((x) => x.symbol === 'ES') ?? s[0])?.symbol ?? ''));
    });
  }, [dataVersion]);

  useEffect(() => {
    if (!focus) return;
    setSymbol(focus.symbol);
    setTimeframe(focus.timeframe);
  }, [focus]);

  // The focused run's trades of this symbol as entry and exit markers.
  useEffect(() => {
    const ch = chart.current;
    if (!ch) return;
    if (!focus || focus.symbol !== symbol || focus.timeframe !== timeframe) {
      ch.markers.setMarkers([]);
      setMarkers(0);
      return;
    }
    let live = true;
    void client.call('backtest.get', { runId: focus.runId }).then((run) => {
      if (!live) return;
      const t = run.trades;
      const list = t.symbol.flatMap((sym, i) => {
        if (sym !== symbol) return [];
        const long = t.side[i] === 'long';
        const net = t.pnl[i]! - t.fees[i]!;
        return [
          { time: (t.entryTime[i]! / 1000) as UTCTimestamp, position: long ? ('belowBar' as const) : ('aboveBar' as const), shape: long ? ('arrowUp' as const) : ('arrowDown' as const), color: '#4e9af1', text: `${t.side[i]} ${t.qty[i]}` },
          { time: (t.exitTime[i]! / 1000) as UTCTimestamp, position: long ? ('aboveBar' as const) : ('belowBar' as const), shape: 'circle' as const, color: net >= 0 ? '#26a69a' : '#ef5350', text: net.toFixed(0) },
        ];
      });
      list.sort((a, b) => a.time - b.time);
      ch.markers.setMarkers(list);
      setMarkers(list.length);
    });
    return () => {
      live = false;
    };
  }, [focus, symbol, timeframe, loaded]);

  useEffect(() => {
    if (!box.current) return;
    const { api, remove } = createThemedChart(box.current, true, { crosshair: { mode: 0 } });
    const candles = api.addSeries(CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350' });
    const volume = api.addSeries(HistogramSeries, { priceFormat: { type: 'volume' } }, 1);
    const markers = createSeriesMarkers(candles, []);
    api.panes()[0]?.setStretchFactor(3);
    api.panes()[1]?.setStretchFactor(1);
    api.subscribeCrosshairMove((p) => {
      const c = p.seriesData.get(candles) as { open: number; high: number; low: number; close: number } | undefined;
      const v = p.seriesData.get(volume) as { value: number } | undefined;
      if (!c || p.time === undefined) return setLegend(null);
      setLegend({ time: fmtTime((p.time as number) * 1000), o: c.open, h: c.high, l: c.low, c: c.close, v: v?.value ?? 0 });
    });
    chart.current = { api, candles, volume, markers };
    return () => {
      chart.current = null;
      remove();
    };
  }, []);

  useEffect(() => {
    const ch = chart.current;
    if (!ch || !symbol) return;
    let live = true;
    let loadingOlder = false;
    let exhausted = false;
    setError(null);
    const show = (b: Bars, keepView: boolean): void => {
      const range = ch.api.timeScale().getVisibleLogicalRange();
      const added = b.t.length - (bars.current?.t.length ?? 0);
      bars.current = b;
      const pts = toChartPoints(b);
      ch.candles.setData(pts.candles.map((x) => ({ ...x, time: x.time as UTCTimestamp })));
      ch.volume.setData(pts.volumes.map((x) => ({ ...x, time: x.time as UTCTimestamp })));
      if (keepView && range) ch.api.timeScale().setVisibleLogicalRange({ from: range.from + added, to: range.to + added });
      setLoaded(b.t.length);
    };
    bars.current = null;
    // Centred on a focused trade: the page of bars ending a little after its exit.
    const around = focus && focus.symbol === symbol && focus.timeframe === timeframe ? focus : null;
    client
      .call('bars.get', { symbol, timeframe, limit: PAGE, sessions: true, ...(around ? { to: new Date(around.exitTime + 50 * barMs(timeframe)).toISOString() } : {}) })
      .then((b) => {
        if (!live) return;
        show(b, false);
        const at = around ? b.t.findIndex((x) => x >= around.entryTime) : -1;
        if (at >= 0) ch.api.timeScale().setVisibleLogicalRange({ from: Math.max(0, at - 60), to: at + 60 });
        else ch.api.timeScale().setVisibleLogicalRange({ from: Math.max(0, b.t.length - 200), to: b.t.length + 5 });
      })
      .catch((e: Error) => live && setError(e.message));
    const onRange = (r: { from: number } | null): void => {
      const cur = bars.current;
      if (!r || !cur || loadingOlder || exhausted || r.from > 50 || cur.t.length >= MAX_LOADED || cur.t.length === 0) return;
      loadingOlder = true;
      void client
        .call('bars.get', { symbol, timeframe, to: new Date(cur.t[0]! - 1).toISOString(), limit: PAGE, sessions: true })
        .then((older) => {
          if (!live) return;
          if (older.t.length === 0) exhausted = true;
          else show(prependBars(older, cur), true);
        })
        .finally(() => (loadingOlder = false));
    };
    ch.api.timeScale().subscribeVisibleLogicalRangeChange(onRange);
    return () => {
      live = false;
      ch.api.timeScale().unsubscribeVisibleLogicalRangeChange(onRange);
    };
  }, [symbol, timeframe, dataVersion, focus]);

  useEffect(() => {
    const ch = chart.current;
    const b = bars.current;
    if (!ch) return;
    for (const x of drawn.current) ch.api.removeSeries(x);
    drawn.current = [];
    while (ch.api.panes().length > 2) ch.api.removePane(ch.api.panes().length - 1);
    if (!b) return;
    let pane = 2;
    let color = 0;
    for (const plot of indicatorPlots(b, indicators)) {
      const at = plot.pane === 'price' ? 0 : pane++;
      for (const line of plot.lines) {
        const opts = { color: COLORS[color++ % COLORS.length], lineWidth: 1 as const, priceLineVisible: false, lastValueVisible: false, title: line.name };
        const x = line.histogram ? ch.api.addSeries(HistogramSeries, opts, at) : ch.api.addSeries(LineSeries, opts, at);
        x.setData(line.points.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
        drawn.current.push(x);
      }
    }
  }, [indicators, loaded, symbol, timeframe]);

  const addIndicator = (spec: string): void => {
    try {
      const f = parseIndicator(spec);
      setSpecError(null);
      setSpecText('');
      setIndicators((cur) => (cur.includes(f.spec) ? cur : [...cur, f.spec]));
    } catch (e) {
      setSpecError((e as Error).message);
    }
  };

  const empty = series !== null && series.length === 0;
  return (
    <div className="chart-view">
      <div className="toolbar">
        <label>
          Symbol{' '}
          <select value={symbol} onChange={(e) => setSymbol(e.target.value)} data-testid="symbol-picker">
            {(series ?? []).map((s) => (
              <option key={s.symbol} value={s.symbol}>
                {s.symbol}
              </option>
            ))}
          </select>
        </label>
        <div className="segmented" role="group" aria-label="Timeframe">
          {TIMEFRAMES.map((tf) => (
            <button key={tf} className={tf === timeframe ? 'active' : ''} onClick={() => setTimeframe(tf)} data-testid={`tf-${tf}`}>
              {tf}
            </button>
          ))}
        </div>
        <span className="legend" data-testid="legend">
          {legend ? `${legend.time}  O ${fmtPrice(legend.o)}  H ${fmtPrice(legend.h)}  L ${fmtPrice(legend.l)}  C ${fmtPrice(legend.c)}  V ${fmtInt(legend.v)}` : `${fmtInt(loaded)} bars loaded`}
        </span>
        {markers > 0 && focus && (
          <span className="muted" data-testid="chart-trades">
            {markers / 2} trades of run {focus.runId}
          </span>
        )}
      </div>
      <div className="toolbar indicators" data-testid="indicators">
        <span>Indicators</span>
        {QUICK.map((q) => (
          <button key={q} onClick={() => addIndicator(q)} disabled={indicators.includes(q)} data-testid={`add-${q}`}>
            + {q}
          </button>
        ))}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            addIndicator(specText);
          }}
        >
          <input value={specText} onChange={(e) => setSpecText(e.target.value)} placeholder="any feature, e.g. stoch(14,3,3)" aria-label="Feature spec" data-testid="indicator-spec" />
          <button type="submit">Add</button>
        </form>
        {indicators.map((x) => (
          <span key={x} className="chip" data-testid="indicator-chip">
            {x}
            <button aria-label={`Remove ${x}`} onClick={() => setIndicators((cur) => cur.filter((y) => y !== x))}>
              ×
            </button>
          </span>
        ))}
      </div>
      {specError && (
        <div className="error" data-testid="indicator-error">
          {specError}
        </div>
      )}
      {error && <div className="error">{error}</div>}
      {empty && (
        <div className="empty" data-testid="chart-empty">
          {seeding !== null ? `Seeding the demo lake… ${Math.round(seeding * 100)}%` : 'The lake is empty. Use Data → Backfill… to fetch bars.'}
          {seeding !== null && <progress max={1} value={seeding} />}
        </div>
      )}
      <div className="chart" ref={box} data-testid="chart" />
    </div>
  );
}
