import { useEffect, useRef, useState } from 'react';
import { DateField } from '../DateField';
import { CandlestickSeries, createSeriesMarkers, HistogramSeries, LineSeries, LineStyle, type IChartApi, type IPriceLine, type ISeriesApi, type ISeriesMarkersPluginApi, type MouseEventParams, type SeriesMarker, type SeriesType, type Time, type UTCTimestamp } from 'lightweight-charts';
import { STORED_TIMEFRAME_MS, TIMEFRAMES, type Timeframe } from '../../../core/common/timeframes';
import type { LakeSeries } from '../../../core/common/lake/types';
import type { Bars } from '../../../core/common/bars';
import { client } from '../api';
import { isStringList, usePersistentState } from '../hooks';
import { createThemedChart } from '../chart-theme';
import { fmtDay, fmtInt, fmtPrice, fmtTime } from '../format';
import { prependBars, toChartPoints } from './bar-window';
import { indicatorPlots, parseIndicator } from './indicators';
import { CHART_ZONES, crosshairTime, isZone, localZone, tickLabel } from './chart-zone';
import { BookLayer } from './book-layer';
import { OptionsPanel } from './OptionsPanel';
import { describeDrawing, isDrawingsBySymbol, MAX_DRAWINGS, trendPoints, type Drawing, type DrawingsBySymbol } from './chart-drawings';

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
  /** Each drawn indicator line's value at the crosshair. */
  values: { name: string; value: number }[];
  /** The focused run's trade under the crosshair, in words. */
  trade: string | null;
}

/** A marked trade, for the legend when the crosshair is over it. */
interface MarkedTrade {
  entry: number;
  exit: number;
  text: string;
}

/** Drawing tools: none (the crosshair), a horizontal line, a trend line (two clicks). */
type Tool = 'none' | 'hline' | 'trend';

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
  const drawn = useRef<{ series: ISeriesApi<SeriesType>; name: string }[]>([]);
  const [zone, setZone] = usePersistentState<string>('chart.zone', 'UTC', isZone);
  const daily = timeframe === '1d' || timeframe === '1w';
  const view = useRef({ zone, daily });
  view.current = { zone, daily };
  const trades = useRef<MarkedTrade[]>([]);
  const [allDrawings, setAllDrawings] = usePersistentState<DrawingsBySymbol>('chart.drawings', {}, isDrawingsBySymbol);
  const drawings = allDrawings[symbol] ?? [];
  const [tool, setTool] = useState<Tool>('none');
  const pending = useRef<{ time: number; price: number } | null>(null);
  // Shown in the hint, so the second end is asked for only once the first is placed.
  const [hasFirstEnd, setHasFirstEnd] = useState(false);
  const shapes = useRef<{ lines: IPriceLine[]; series: ISeriesApi<SeriesType>[] }>({ lines: [], series: [] });
  const [goTo, setGoTo] = useState<number | null>(null);
  // Symbols with a stored order book, which the chart can draw behind the candles.
  const [bookSymbols, setBookSymbols] = useState<ReadonlySet<string>>(new Set());
  const [bookOn, setBookOn] = usePersistentState<boolean>('chart.book', false, (x): x is boolean => typeof x === 'boolean');
  const [bookNote, setBookNote] = useState<string | null>(null);
  const layer = useRef<BookLayer | null>(null);
  const [goToText, setGoToText] = useState('');
  // Futures roots with options in the lake, whose chain the panel beside the chart shows at a clicked bar.
  const [optionRoots, setOptionRoots] = useState<ReadonlySet<string>>(new Set());
  const [optionsOn, setOptionsOn] = usePersistentState<boolean>('chart.options', false, (x): x is boolean => typeof x === 'boolean');
  const [optionsAt, setOptionsAt] = useState<number | null>(null);
  const root = symbol.replace(/\.(C|CBA)$/, '').replace(/[FGHJKMNQUVXZ]\d{1,2}$/, '');
  const showOptions = optionsOn && optionRoots.has(root) && !daily;

  useEffect(() => {
    void client.call('lake.summary', {}).then((all) => {
      // Tick-only symbols (trades) have no bars to draw.
      const s = all.filter((x, i) => x.timeframe !== 'tick' && all.findIndex((y) => y.symbol === x.symbol && y.timeframe !== 'tick') === i);
      setSeries(s);
      setBookSymbols(new Set(all.filter((x) => x.table === 'book').map((x) => x.symbol)));
      setOptionRoots(new Set(all.filter((x) => x.table === 'options_quotes').map((x) => x.symbol.replace(/[FGHJKMNQUVXZ]\d{1,2}$/, ''))));
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
      trades.current = [];
      setMarkers(0);
      return;
    }
    let live = true;
    void client.call('backtest.get', { runId: focus.runId }).then((run) => {
      if (!live) return;
      const t = run.trades;
      // One pass over the symbol's trades: their two markers, and their words for the legend under the crosshair.
      const list: SeriesMarker<Time>[] = [];
      const marked: MarkedTrade[] = [];
      t.symbol.forEach((sym, i) => {
        if (sym !== symbol) return;
        const long = t.side[i] === 'long';
        const net = t.pnl[i]! - t.fees[i]!;
        list.push(
          { time: (t.entryTime[i]! / 1000) as UTCTimestamp, position: long ? 'belowBar' : 'aboveBar', shape: long ? 'arrowUp' : 'arrowDown', color: '#4e9af1', text: `${t.side[i]} ${t.qty[i]}` },
          { time: (t.exitTime[i]! / 1000) as UTCTimestamp, position: long ? 'aboveBar' : 'belowBar', shape: 'circle', color: net >= 0 ? '#26a69a' : '#ef5350', text: net.toFixed(0) },
        );
        marked.push({ entry: t.entryTime[i]!, exit: t.exitTime[i]!, text: `${t.side[i]} ${t.qty[i]} · ${fmtPrice(t.entryPrice[i]!)} → ${fmtPrice(t.exitPrice[i]!)} · net ${net >= 0 ? '+' : ''}${net.toFixed(2)} (${t.exitReason[i]})` });
      });
      list.sort((a, b) => (a.time as number) - (b.time as number));
      ch.markers.setMarkers(list);
      trades.current = marked;
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
    const book = new BookLayer();
    candles.attachPrimitive(book);
    layer.current = book;
    api.panes()[0]?.setStretchFactor(3);
    api.panes()[1]?.setStretchFactor(1);
    api.subscribeCrosshairMove((p) => {
      const c = p.seriesData.get(candles) as { open: number; high: number; low: number; close: number } | undefined;
      const v = p.seriesData.get(volume) as { value: number } | undefined;
      if (!c || p.time === undefined) return setLegend(null);
      const ms = (p.time as number) * 1000;
      const values = drawn.current.flatMap((d) => {
        const x = p.seriesData.get(d.series) as { value?: number } | undefined;
        return x?.value !== undefined ? [{ name: d.name, value: x.value }] : [];
      });
      const trade = trades.current.find((x) => x.entry <= ms && ms <= x.exit)?.text ?? null;
      setLegend({ time: crosshairTime(ms, view.current.zone, view.current.daily), o: c.open, h: c.high, l: c.low, c: c.close, v: v?.value ?? 0, values, trade });
    });
    chart.current = { api, candles, volume, markers };
    return () => {
      chart.current = null;
      layer.current = null;
      remove();
    };
  }, []);

  // The book of the bars in view, behind the candles: fetched again as the view moves, a moment after it settles.
  const showBook = bookOn && bookSymbols.has(symbol) && !daily;
  useEffect(() => {
    const ch = chart.current;
    const l = layer.current;
    if (!ch || !l) return;
    setBookNote(null);
    if (!showBook) {
      l.show(null, null);
      return;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const fetchBook = (): void => {
      const r = ch.api.timeScale().getVisibleRange();
      if (!r) return;
      const range = { symbol, from: (r.from as number) * 1000, to: (r.to as number) * 1000 + barMs(timeframe) };
      Promise.all([client.call('book.heatmap', { ...range, bucketSeconds: barMs(timeframe) / 1000 }), client.call('book.profile', range)])
        .then(([heat, profile]) => {
          if (!live) return;
          l.show(heat, profile);
          setBookNote(heat.t.length ? null : 'no book stored for the bars in view');
        })
        .catch((e: Error) => live && (l.show(null, null), setBookNote(e.message)));
    };
    const onRange = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(fetchBook, 250);
    };
    ch.api.timeScale().subscribeVisibleTimeRangeChange(onRange);
    onRange();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
      ch.api.timeScale().unsubscribeVisibleTimeRangeChange(onRange);
    };
  }, [showBook, symbol, timeframe, loaded]);

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
    // Centred on a focused trade (the page of bars ending a little after its exit), or on the date gone to.
    const focused = focus && focus.symbol === symbol && focus.timeframe === timeframe ? focus : null;
    const around = focused ? { from: focused.entryTime, to: focused.exitTime } : goTo !== null ? { from: goTo, to: goTo } : null;
    client
      .call('bars.get', { symbol, timeframe, limit: PAGE, sessions: true, ...(around ? { to: new Date(around.to + (focused ? 50 : 150) * barMs(timeframe)).toISOString() } : {}) })
      .then((b) => {
        if (!live) return;
        show(b, false);
        const at = around ? b.t.findIndex((x) => x >= around.from) : -1;
        // The view is found by time in the bars loaded then, so that an older page prepended meanwhile does not shift it.
        const apply = (): void => {
          const cur = bars.current;
          if (!cur) return;
          const i = around ? cur.t.findIndex((x) => x >= around.from) : -1;
          ch.api.timeScale().setVisibleLogicalRange(i >= 0 ? { from: Math.max(0, i - 60), to: i + 60 } : { from: Math.max(0, cur.t.length - 200), to: cur.t.length + 5 });
        };
        apply();
        // Again once the indicator and drawing series of these bars are drawn: replacing series moves the view.
        requestAnimationFrame(() => requestAnimationFrame(() => live && apply()));
        if (around && !focused && at < 0) setError(b.t.length ? `${symbol} ${timeframe} has no bars on or after ${fmtDay(around.from)}; the last is ${fmtTime(b.t[b.t.length - 1]!)} UTC` : `${symbol} ${timeframe} has no bars up to ${fmtDay(around.from)}`);
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
  }, [symbol, timeframe, dataVersion, focus, goTo]);

  useEffect(() => {
    const ch = chart.current;
    const b = bars.current;
    if (!ch) return;
    for (const x of drawn.current) ch.api.removeSeries(x.series);
    drawn.current = [];
    while (ch.api.panes().length > 2) ch.api.removePane(ch.api.panes().length - 1);
    if (!b) return;
    let pane = 2;
    let color = 0;
    for (const plot of indicatorPlots(b, indicators)) {
      const at = plot.pane === 'price' ? 0 : pane++;
      const scale = plot.scale;
      for (const [i, line] of plot.lines.entries()) {
        const opts = {
          color: COLORS[color++ % COLORS.length],
          lineWidth: 1 as const,
          priceLineVisible: false,
          lastValueVisible: false,
          title: line.name,
          // Oscillators keep their usual scale (RSI and the stochastic 0–100) instead of fitting the visible values.
          ...(scale ? { autoscaleInfoProvider: () => ({ priceRange: { minValue: scale.range[0], maxValue: scale.range[1] } }) } : {}),
        };
        const x = line.histogram ? ch.api.addSeries(HistogramSeries, opts, at) : ch.api.addSeries(LineSeries, opts, at);
        x.setData(line.points.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
        if (scale && i === 0) for (const level of scale.guides) x.createPriceLine({ price: level, color: '#787b86', lineWidth: 1, lineStyle: LineStyle.Dashed, axisLabelVisible: true, title: '' });
        drawn.current.push({ series: x, name: line.name });
      }
    }
  }, [indicators, loaded, symbol, timeframe]);

  // The time axis and the crosshair in the chosen zone (daily bars are session dates and stay dates).
  useEffect(() => {
    chart.current?.api.applyOptions({
      localization: { timeFormatter: (t: Time) => crosshairTime((t as number) * 1000, zone, daily) },
      timeScale: { tickMarkFormatter: (t: Time, type: number) => tickLabel((t as number) * 1000, type, zone, daily) },
    });
  }, [zone, daily]);

  // The symbol's drawings: horizontal lines as price lines, trend lines as two-point lines on the price pane.
  useEffect(() => {
    const ch = chart.current;
    if (!ch) return;
    for (const l of shapes.current.lines) ch.candles.removePriceLine(l);
    for (const x of shapes.current.series) ch.api.removeSeries(x);
    shapes.current = { lines: [], series: [] };
    for (const d of drawings) {
      if (d.kind === 'h') {
        shapes.current.lines.push(ch.candles.createPriceLine({ price: d.price, color: '#f5a623', lineWidth: 1, lineStyle: LineStyle.Solid, axisLabelVisible: true, title: '' }));
        continue;
      }
      const pts = trendPoints(d);
      if (!pts) continue;
      const x = ch.api.addSeries(LineSeries, { color: '#f5a623', lineWidth: 2, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false, autoscaleInfoProvider: () => null }, 0);
      x.setData(pts.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
      shapes.current.series.push(x);
    }
  }, [drawings, loaded]);

  // A click with a drawing tool puts a point at the bar and price clicked.
  useEffect(() => {
    const ch = chart.current;
    if (!ch || tool === 'none') return;
    const onClick = (p: MouseEventParams<Time>): void => {
      if (!p.point || p.time === undefined) return;
      const price = ch.candles.coordinateToPrice(p.point.y);
      if (price === null || !Number.isFinite(price)) return;
      const at = { time: p.time as number, price: Math.round(price * 1e6) / 1e6 };
      let add: Drawing | null = null;
      if (tool === 'hline') add = { kind: 'h', price: at.price };
      else if (pending.current === null) {
        pending.current = at;
        setHasFirstEnd(true);
      } else {
        add = { kind: 'trend', a: pending.current, b: at };
        pending.current = null;
        setHasFirstEnd(false);
      }
      if (!add) return;
      const d = add;
      setAllDrawings((all) => ({ ...all, [symbol]: [...(all[symbol] ?? []), d].slice(-MAX_DRAWINGS) }));
      setTool('none');
    };
    ch.api.subscribeClick(onClick);
    return () => {
      ch.api.unsubscribeClick(onClick);
      pending.current = null;
      setHasFirstEnd(false);
    };
  }, [tool, symbol]);

  // The options panel shows the chain at the close of the bar clicked (when no drawing tool is chosen), else of the last bar.
  useEffect(() => {
    const ch = chart.current;
    if (!ch || !showOptions) return;
    const last = bars.current?.t[bars.current.t.length - 1];
    setOptionsAt((cur) => cur ?? (last === undefined ? null : last + barMs(timeframe)));
    if (tool !== 'none') return;
    const onClick = (p: MouseEventParams<Time>): void => {
      if (p.time !== undefined) setOptionsAt((p.time as number) * 1000 + barMs(timeframe));
    };
    ch.api.subscribeClick(onClick);
    return () => ch.api.unsubscribeClick(onClick);
  }, [showOptions, tool, timeframe, loaded]);
  useEffect(() => setOptionsAt(null), [symbol]);

  const removeDrawing = (i: number): void => setAllDrawings((all) => ({ ...all, [symbol]: (all[symbol] ?? []).filter((_, j) => j !== i) }));
  const fmtPointTime = (sec: number): string => crosshairTime(sec * 1000, zone, daily);

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
        <label>
          Time zone{' '}
          <select value={zone} onChange={(e) => setZone(e.target.value)} data-testid="chart-zone">
            {[...new Set([...CHART_ZONES, localZone()])].map((z) => (
              <option key={z} value={z}>
                {z === localZone() && z !== 'UTC' ? `${z} (this machine)` : z}
              </option>
            ))}
          </select>
        </label>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            const ms = Date.parse(`${goToText}T00:00:00Z`);
            if (Number.isFinite(ms)) setGoTo(ms);
          }}
        >
          <label>
            Go to <DateField value={goToText} onChange={setGoToText} testId="chart-goto" />
          </label>
          <button type="submit" disabled={!goToText} data-testid="chart-goto-go">
            Go
          </button>
          {goTo !== null && (
            <button type="button" onClick={() => setGoTo(null)} data-testid="chart-goto-latest">
              Latest
            </button>
          )}
        </form>
        {bookSymbols.has(symbol) && (
          <label className="check" title={daily ? 'The book is drawn on intraday bars' : 'Resting size per price behind the candles, and the traded volume per price at the right'}>
            <input type="checkbox" checked={bookOn} disabled={daily} onChange={(e) => setBookOn(e.target.checked)} data-testid="chart-book" />
            Book
          </label>
        )}
        {optionRoots.has(root) && (
          <label className="check" title={daily ? 'Option chains are read at intraday bars' : 'The option chain at the bar you click: gamma exposure by strike, implied volatility and greeks'}>
            <input type="checkbox" checked={optionsOn} disabled={daily} onChange={(e) => setOptionsOn(e.target.checked)} data-testid="chart-options" />
            Options
          </label>
        )}
        {showBook && bookNote && (
          <span className="muted" data-testid="chart-book-note">
            {bookNote}
          </span>
        )}
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
      <div className="legend-row" data-testid="legend">
        {legend ? (
          <>
            <span>{`${legend.time}  O ${fmtPrice(legend.o)}  H ${fmtPrice(legend.h)}  L ${fmtPrice(legend.l)}  C ${fmtPrice(legend.c)}  V ${fmtInt(legend.v)}`}</span>
            {legend.values.map((x) => (
              <span key={x.name} className="legend-value" data-testid="legend-value">
                {x.name} {fmtPrice(x.value)}
              </span>
            ))}
            {legend.trade && (
              <span className="legend-trade" data-testid="legend-trade">
                trade: {legend.trade}
              </span>
            )}
          </>
        ) : (
          `${fmtInt(loaded)} bars loaded · times in ${daily ? 'session dates' : zone}`
        )}
      </div>
      <div className="toolbar drawings" data-testid="drawings">
        <span>Drawings</span>
        <div className="segmented" role="group" aria-label="Drawing tools">
          <button className={tool === 'hline' ? 'active' : ''} onClick={() => setTool(tool === 'hline' ? 'none' : 'hline')} title="Horizontal line: click a price" data-testid="draw-hline">
            — Line
          </button>
          <button className={tool === 'trend' ? 'active' : ''} onClick={() => setTool(tool === 'trend' ? 'none' : 'trend')} title="Trend line: click its two ends" data-testid="draw-trend">
            ╱ Trend
          </button>
        </div>
        {/* Always laid out, so that choosing a tool does not move the chart under the pointer. */}
        <span className="muted" style={{ visibility: tool === 'none' ? 'hidden' : 'visible' }} data-testid="draw-hint">
          {tool === 'hline' ? 'Click the price for the line.' : hasFirstEnd ? 'Now click the trend line’s other end.' : 'Click the trend line’s two ends.'}
        </span>
        {drawings.map((d, i) => (
          <span key={i} className="chip" data-testid="drawing-chip">
            {describeDrawing(d, fmtPrice, fmtPointTime)}
            <button aria-label="Remove drawing" onClick={() => removeDrawing(i)}>
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
      <div className="chart-row">
        <div className="chart" ref={box} data-testid="chart" />
        {showOptions && <OptionsPanel symbol={symbol} at={optionsAt} />}
      </div>
    </div>
  );
}
