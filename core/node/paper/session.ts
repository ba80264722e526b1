import type { Fill } from '../../common/backtest/engine-types';
import { ApiError } from '../../common/errors';
import { parseUtc } from '../../common/schemas';
import { STORED_TIMEFRAME_MS, type Timeframe } from '../../common/timeframes';
import { createPaperEngine, type Denial, type PaperBar } from '../../common/trading/paper-engine';
import type { TradingState } from '../../common/trading/risk';
import type { LimitUsage, PaperSessionInfo } from '../../common/trading/types';
import type { WorkerContext } from '../jobs/worker-context';
import { calendarFor } from '../calendar';
import { replayFeed, type Feed } from './feeds';
import { LiveBronze } from './live-bronze';
import { SessionModels } from './session-models';
import type { BookSource } from './streaming-model';
import { liveBarMs, liveFeed, liveMaxAgeMs } from './live-feed';
import { isDatabentoFeed, liveAdapter, missingFeedKey } from './live-adapters';
import { LiveBookBronze } from './live-book-bronze';
import { LiveFeatureEvaluator, type LiveFeatureRow } from './live-features';
import { parseFeatureSet } from '../features/feature-sets';
import type { Journal, JournaledEvent } from './journal';
import { completeTerms, historyInputs, paperOptions, replayInputs, replayRun, warmEngine, withProbabilities } from './replay';
import { redact } from '../vendors/http';
import { SLOT, publishState, publishChanges, sharedState, type SessionChannel } from './session-channel';

/** How often a session looks at the journal's killswitch itself (so a halt reaches it while the main thread is busy). */
const JOURNAL_WATCH_MS = 10;

const RECENT = 50;
const COMMIT_BARS = 512;
const COMMIT_MS = 50;
const STATUS_MS = 200;
/** How far before its last journaled bar a resumed live session asks the gateway to replay: past the longest book feature window (300 s). */
const RESUME_LOOKBACK_MS = 10 * 60_000;

/**
 * Runs a paper session to its end (or until stopped): resumes it from its journal first, then feeds
 * the rest of its bars through the paper engine. Every bar, order, denial, fill and killswitch action
 * is journaled. Commits are grouped (every 512 bars or 50 ms at full speed), but nothing leaves the
 * session before the journal holds it: a status, the answer to a killswitch change and a paced feed's
 * wait all come after a commit, so what the session acknowledged survives a crash; a resumed session
 * re-feeds its journaled bars with the journaled decisions and ends in exactly the state it was in.
 */
export async function runSession(ctx: WorkerContext, journal: Journal, id: string, ch: SessionChannel, secrets: { feedKey?: string } = {}): Promise<void> {
  const rec = journal.session(id);
  if (!rec) throw new ApiError('not_found', `no paper session ${id}`, 'session');
  // Sessions journaled before portfolios recorded their contracts trade on the instrument table's.
  const config = completeTerms(rec.spec.config, ctx.catalog);
  const feedSpec = rec.spec.feed;
  const opts = paperOptions(config);
  const timeframe = (config.instruments[0]?.timeframe ?? '1d') as Timeframe;
  const intervalMs = STORED_TIMEFRAME_MS[timeframe] ?? 86_400_000;
  const symbols = config.instruments.map((i) => i.symbol);
  const stateNow = (): TradingState => sharedState(ch.shared);

  // What the journal holds: the decisions to remake, the killswitch actions to re-apply, the fills to match.
  const past = journal.sessionEvents(id);
  const decisions = new Map<number, string | null>();
  const controls = new Map<number, JournaledEvent[]>();
  const journaledFills: Fill[] = [];
  const counts = { orders: 0, fills: 0, denials: 0 };
  const recentFills: Fill[] = [];
  const recentDenials: Denial[] = [];
  const keep = <T>(list: T[], x: T): void => {
    list.push(x);
    if (list.length > RECENT) list.shift();
  };
  // The live feature rows journaled so far: their count and the newest, for the monitor.
  const features: NonNullable<PaperSessionInfo['features']> | null = feedSpec.kind === 'live' && feedSpec.features ? { set: feedSpec.features.name, rows: 0, last: null } : null;
  for (const e of past) {
    if (e.kind === 'features' && features) {
      features.rows++;
      features.last = e.data as unknown as LiveFeatureRow;
    } else if (e.kind === 'order') decisions.set(e.data.n as number, null);
    else if (e.kind === 'denial') {
      decisions.set(e.data.n as number, e.data.reason as string);
      counts.denials++;
      keep(recentDenials, { t: e.data.t as number, symbol: e.data.symbol as string, reason: e.data.reason as string });
    } else if (e.kind === 'fill') journaledFills.push(e.data as unknown as Fill);
    else if (e.kind === 'cancel_all' || e.kind === 'flatten') controls.set(e.pos, [...(controls.get(e.pos) ?? []), e]);
  }

  const w = journal.writer(id);
  let recovering = true;
  let pos = 0;
  let feedTime: number | null = null;
  let tripped: string | null = null;

  const journaledBars = [...journal.sessionBars(id)];
  // The session's first bar: a replay's start; a live session's first journaled bar, or none yet.
  const firstBar = feedSpec.kind === 'replay' ? parseUtc(feedSpec.from) : (journaledBars[0]?.t ?? Number.POSITIVE_INFINITY);
  // Stored bars before it warm the kernels and strategies, as a backtest's history warms them.
  const inputs = feedSpec.kind === 'replay' ? await replayInputs(ctx, symbols, timeframe, feedSpec.from, feedSpec.to) : await historyInputs(ctx, symbols, timeframe, firstBar);
  const warmedTo = inputs.map((x) => (x.warm > 0 ? x.bars.t[x.warm - 1]! : Number.NEGATIVE_INFINITY));
  const engine = createPaperEngine({
    ...opts,
    // A replay knows how many bars it brings: sized for them, its arrays never grow (and never copy
    // megabytes mid-session, which with the collection it sets off stalls the session).
    capacity: Math.max(...inputs.map((x) => x.bars.t.length + (feedSpec.kind === 'replay' ? 0 : 1024))),
    state: stateNow,
    decide: (n) => {
      if (!recovering) return undefined;
      const d = decisions.get(n);
      if (d === undefined) throw new Error(`journal of paper session ${id} has no decision for order intent ${n}: it does not match its bars; the session cannot resume`);
      return d;
    },
    onOrder: (n, order, t) => {
      counts.orders++;
      if (recovering) return;
      w.event(pos, 'order', { n, order, t });
    },
    onDenial: (n, d) => {
      counts.denials++;
      keep(recentDenials, d);
      w.event(pos, 'denial', { n, ...d });
    },
    onFill: (f) => {
      counts.fills++;
      keep(recentFills, f);
      if (recovering) return;
      w.event(pos, 'fill', f);
    },
    onEquity: (t, e) => {
      if (!recovering) w.equity(t, e);
    },
    onTrip: (reason, t) => {
      // A trip halts at once for new orders (the gate reads the shared state); working orders are
      // cancelled at the next bar boundary, where a resumed session re-applies it.
      if (recovering || stateNow() === 'halted') return;
      journal.setState('halted', 'auto', reason);
      publishState(ch.shared, journal.lastChange(), 'halted');
      w.event(pos, 'trip', { reason, t });
      tripped = reason;
      ch.post({ type: 'trip', reason, at: Date.now() });
    },
  });

  // Resume: the journaled bars again, with the journaled decisions and killswitch actions.
  const applyJournaled = (at: number): void => {
    for (const e of controls.get(at) ?? []) {
      if (e.kind === 'cancel_all') engine.cancelAll();
      else engine.flatten(e.data.reason as string);
    }
  };
  warmEngine(engine, inputs);
  // Models warm up on the same stored bars; their book features come from the stored book in a
  // replay, from the feed's own in a Databento session.
  const models = await SessionModels.open(ctx, config, firstBar, (k) =>
    feedSpec.kind === 'replay' ? { kind: 'stored', bars: inputs[k]!.bars.t } : isDatabentoFeed(feedSpec.url) ? { kind: 'live' } : { kind: 'none', why: `the feed ${new URL(feedSpec.url).host} sends no order book; trade it from a Databento gateway (dbn://host:port/DATASET) or replay it from the lake` },
  );
  if (models) models.onResolved = (k, t, y) => w.outcome(k, t, y);
  /** Symbol k's bar through its model and the engine; the prediction is journaled (a resumed bar's is the journal's). */
  const feedGated = async (m: SessionModels, k: number, bar: PaperBar, journaled?: number): Promise<void> => {
    const p = await m.predict(k, bar, journaled);
    if (!Number.isNaN(p)) w.prediction(k, bar.t, p);
    engine.bar(k, bar, p);
  };
  // A live session's feature set, evaluated at every close, warmed on the stored bars as the engine is
  // and on the journaled bars as the session resumes.
  const evaluator = feedSpec.kind === 'live' && feedSpec.features ? new LiveFeatureEvaluator(parseFeatureSet(feedSpec.features.text, feedSpec.features.file), symbols, liveBarMs(timeframe), symbols.map((s) => calendarFor(ctx.catalog, s))) : null;
  inputs.forEach((x, k) => evaluator?.warm(k, x.bars, x.sessions, x.warm));
  const journaledPredictions = models ? journal.sessionPredictions(id) : new Map<string, number>();
  for (const b of journaledBars) {
    applyJournaled(b.seq);
    const bar: PaperBar = { t: b.t, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, day: b.day, sessionStart: b.sessionStart, monthEnd: b.monthEnd === 1 };
    feedTime = bar.t;
    if (models) await feedGated(models, b.k, bar, journaledPredictions.get(`${b.k}:${b.t}`) ?? Number.NaN);
    else engine.bar(b.k, bar);
    evaluator?.bar(b.k, bar, true);
    // A feed that replays (Databento's gateway from a start time) sends these bars again: they are not fed twice.
    warmedTo[b.k] = Math.max(warmedTo[b.k]!, bar.t);
    pos = b.seq + 1;
  }
  applyJournaled(pos);
  if (counts.fills !== journaledFills.length) throw new Error(`journal of paper session ${id} holds ${journaledFills.length} fills, but its bars remake ${counts.fills}: the session cannot resume exactly`);
  recovering = false;

  let appliedState: TradingState = 'active';
  let appliedFlatten = Atomics.load(ch.shared, SLOT.flatten);
  // The session reads the journal's killswitch itself too: a halt written by the CLI, or by the app
  // while its main thread is busy, reaches it within JOURNAL_WATCH_MS without the supervisor.
  const newest = journal.newestChange();
  let seenChange = newest?.seq ?? 0;
  if (newest) publishState(ch.shared, newest.seq, newest.to);
  let lastWatch = performance.now();
  /** Publishes the journal's killswitch changes since the last look; true when there were any. */
  const watchJournal = (): boolean => {
    const now = performance.now();
    if (now - lastWatch < JOURNAL_WATCH_MS) return false;
    lastWatch = now;
    const changes = journal.changesSince(seenChange);
    if (changes.length === 0) return false;
    publishChanges(ch.shared, changes);
    seenChange = changes[changes.length - 1]!.seq;
    return true;
  };
  let ackedGeneration = -1;
  let paused = rec.status === 'paused';
  let steps = 0;
  let stopped = false;
  let detached = false;
  let lastCommit = { pos, at: performance.now() };
  let lastStatus = 0;

  const info = (status: PaperSessionInfo['status'], error: string | null = null): PaperSessionInfo => {
    const snap = engine.snapshot();
    const r = engine.readings();
    const limits: LimitUsage[] = [];
    const l = config.riskLimits ?? {};
    const gross = snap.positions.reduce((a, p) => a + Math.abs(p.qty * p.last * p.multiplier), 0);
    const use = (name: string, used: number, limit: number | undefined): void => {
      if (limit !== undefined) limits.push({ name, used, limit });
    };
    use('maxPosition', Math.max(0, ...snap.positions.map((p) => Math.abs(p.qty))), l.maxPosition);
    use('maxPositionNotional', Math.max(0, ...snap.positions.map((p) => Math.abs(p.qty * p.last * p.multiplier))), l.maxPositionNotional);
    use('maxGrossExposure', gross, l.maxGrossExposure);
    use('maxConcurrentPositions', new Set([...snap.positions.map((p) => p.symbol), ...snap.working.map((x) => x.symbol)]).size, l.maxConcurrentPositions);
    use('dailyLoss', Math.max(0, -r.dayPnl), l.dailyLoss);
    use('maxDrawdown', r.drawdown, l.maxDrawdown);
    use('maxOrdersPerMinute', r.ordersLastMinute, l.maxOrdersPerMinute);
    return {
      id,
      portfolio: rec.spec.portfolio,
      feed: feedSpec,
      status,
      error,
      createdAt: rec.createdAt,
      bars: pos,
      feedTime,
      capital: opts.cfg.capital,
      cash: snap.cash,
      equity: snap.equity,
      todayPnl: r.dayPnl,
      positions: snap.positions,
      working: snap.working,
      ...counts,
      recentFills: [...recentFills],
      recentDenials: [...recentDenials],
      limits,
      ...(models ? { models: models.monitor() } : {}),
      ...(features ? { features: { ...features } } : {}),
    };
  };

  const commit = (): void => {
    w.commit(pos);
    lastCommit = { pos, at: performance.now() };
  };

  /** Acts on the killswitch and on messages: cancels working orders on a halt, flattens when asked, pauses, steps, stops. */
  const applyControls = (): void => {
    for (const m of ch.take()) {
      if (m.type === 'pause') paused = true;
      else if (m.type === 'resume') paused = false;
      else if (m.type === 'step') steps++;
      else if (m.type === 'stop') stopped = true;
      else if (m.type === 'detach') stopped = detached = true;
    }
    let acted = false;
    const state = stateNow();
    if (state !== appliedState) {
      // When each session enforced which change, at which bar: the audit's other half.
      w.event(pos, 'killswitch', { to: state, seq: Atomics.load(ch.shared, SLOT.state) >> 2 });
      acted = true;
    }
    if (state === 'halted' && appliedState !== 'halted') {
      const cancelled = engine.cancelAll();
      if (cancelled.length) w.event(pos, 'cancel_all', { orders: cancelled });
    }
    appliedState = state;
    const flatten = Atomics.load(ch.shared, SLOT.flatten);
    if (flatten > appliedFlatten) {
      appliedFlatten = flatten;
      const reason = 'flatten: killswitch';
      w.event(pos, 'flatten', { reason });
      engine.flatten(reason);
      acted = true;
    }
    const generation = Atomics.load(ch.shared, SLOT.generation);
    if (acted || generation !== ackedGeneration) commit();
    if (generation !== ackedGeneration) {
      ackedGeneration = generation;
      // The figures first, so whoever waited for the halt sees its effect.
      ch.post({ type: 'status', info: info(paused ? 'paused' : 'running') });
      ch.post({ type: 'applied', generation });
    }
  };

  const status = (s: PaperSessionInfo['status']): void => {
    if (journal.session(id)?.status !== s) journal.setSessionStatus(id, s);
  };

  // Feed problems (a dropped connection, a malformed message) are journaled as errors between bars.
  const problems: string[] = [];
  let bronze: LiveBronze | null = null;
  let bookBronze: LiveBookBronze | null = null;
  let feed: Feed;
  if (feedSpec.kind === 'replay') {
    // The expectation: the same bars replayed flat out, a gated instrument's model predicting them in batches.
    // Its models' book features, already read from the lake, serve the batch predictions too.
    const bookOf = (k: number): BookSource => {
      const book = models?.bookInputs(k);
      return book ? { kind: 'ready', book } : { kind: 'stored', bars: inputs[k]!.bars.t };
    };
    const expected = replayRun(config, models ? await withProbabilities(ctx, config, inputs, bookOf) : inputs, 'active').result.equity;
    ch.post({ type: 'expected', t: expected.t, value: expected.value });
    feed = replayFeed(inputs, pos);
  } else {
    const barMs = liveBarMs(timeframe);
    if (!secrets.feedKey) throw new ApiError('invalid_argument', missingFeedKey(feedSpec.url), 'feed');
    // Refused minutes are journaled as feed errors and raised as an alert, at most one a minute.
    let refusedSince = 0;
    let lastAlert = 0;
    const refused = (example: string): void => {
      refusedSince++;
      if (Date.now() - lastAlert < 60_000) return;
      lastAlert = Date.now();
      ch.post({ type: 'alert', title: 'Live feed: bars refused', body: `${refusedSince} bar(s) from the feed were refused by the bar gate, e.g. ${example}; they are listed with quantdesk rejects --run ${lake.runId}` });
      refusedSince = 0;
    };
    const maxAgeMs = liveMaxAgeMs();
    const lake = new LiveBronze(ctx, symbols, `live:${new URL(feedSpec.url).host}`, Date.now, maxAgeMs);
    bronze = lake;
    // Databento's gateway sends the book itself: it goes to the lake's book table beside the minutes.
    const book = isDatabentoFeed(feedSpec.url) ? new LiveBookBronze(ctx, `live:${new URL(feedSpec.url).host}`) : null;
    bookBronze = book;
    // A resumed session asks Databento's gateway to replay from a little before its last journaled
    // bar (within the gateway's replay window): no minute is missed, and the book features' windows
    // are full at the first new close.
    const lastJournaled = journaledBars.at(-1)?.t;
    const replayFromMs = lastJournaled === undefined ? undefined : Math.max(lastJournaled + barMs - RESUME_LOOKBACK_MS, Date.now() - maxAgeMs);
    feed = liveFeed({
      adapter: liveAdapter(
        feedSpec.url,
        secrets.feedKey,
        symbols,
        // The feed's book goes to the lake, the evaluated feature set and the models that read it.
        book || evaluator || models
          ? (b, n, symbolOf) => {
              book?.add(b, n, symbolOf);
              evaluator?.book(b, n, symbolOf);
              models?.book(b, n, symbolOf);
            }
          : undefined,
        replayFromMs,
      ),
      symbols,
      barMs,
      calendars: symbols.map((s) => calendarFor(ctx.catalog, s)),
      wait: ch.wait,
      onMinute: (k, m) => lake.add(k, m),
      maxAgeMs,
      onRefused: (symbol, reason) => {
        problems.push(`refused a ${symbol} minute from the feed: ${reason}`);
        refused(`${symbol}: ${reason}`);
      },
      // What the feed says may quote the key it was sent: never journaled or shown with it.
      onProblem: (message) => problems.push(redact(message, [secrets.feedKey!])),
    });
  }
  const journalProblems = (): void => {
    // Called for every bar: nothing to copy in the usual case.
    if (problems.length === 0) return;
    for (const message of problems.splice(0)) {
      w.event(pos, 'error', { message, t: Date.now() });
      engine.error(Date.now(), message);
    }
  };
  try {
    status(paused ? 'paused' : 'running');
    ch.post({ type: 'status', info: info(paused ? 'paused' : 'running') });
    let anchor: { wall: number; t: number } | null = null;
    let lastBarWall = performance.now();
    for (;;) {
      watchJournal();
      applyControls();
      if (stopped) break;
      if (paused && steps === 0) {
        commit();
        status('paused');
        ch.post({ type: 'status', info: info('paused') });
        await ch.wait(1000);
        anchor = null;
        continue;
      }
      const next = await feed.next();
      journalProblems();
      if (next === null) break;
      if (next === undefined) {
        // A live feed with nothing new: watch for a stale feed, keep the monitor current.
        engine.checkStale(performance.now() - lastBarWall, intervalMs, feedTime ?? 0);
        if (performance.now() - lastStatus >= STATUS_MS) {
          commit();
          lastStatus = performance.now();
          ch.post({ type: 'status', info: info(paused ? 'paused' : 'running') });
        }
        continue;
      }
      // A killswitch change is acted on before the next bar, without waiting for its message.
      if (watchJournal() || Atomics.load(ch.shared, SLOT.generation) !== ackedGeneration || stateNow() !== appliedState) {
        applyControls();
        if (stopped) {
          feed.unread(next);
          break;
        }
      }
      const { k, bar } = next;
      // A live feed's bar the warm-up already read from the lake.
      if (bar.t <= warmedTo[k]!) continue;
      // Pacing: bar times map onto the wall clock at `speed` × real time.
      if (feedSpec.kind === 'replay' && feedSpec.speed !== 'max') {
        const speed = feedSpec.speed;
        anchor ??= { wall: performance.now(), t: bar.t };
        for (;;) {
          const due = anchor.wall + (bar.t - anchor.t) / speed - performance.now();
          if (due <= 0) break;
          // What the feed already gave is durable before it waits for more.
          commit();
          await ch.wait(Math.min(due, 1000));
          // Silence in feed time: a paced feed waiting out a gap is as silent as a live one.
          engine.checkStale((performance.now() - lastBarWall) * speed, intervalMs, feedTime ?? 0);
          applyControls();
          if (stopped || (paused && steps === 0)) break;
        }
        if (stopped) break;
        if (paused && steps === 0) {
          feed.unread(next);
          continue;
        }
      }
      if (steps > 0) steps--;
      lastBarWall = performance.now();
      feedTime = bar.t;
      try {
        if (models) await feedGated(models, k, bar);
        else engine.bar(k, bar);
        const row = evaluator?.bar(k, bar);
        if (row) {
          w.event(pos, 'features', row);
          features!.rows++;
          features!.last = row;
        }
      } catch (e) {
        w.event(pos, 'error', { message: (e as Error).message, symbol: symbols[k], t: bar.t });
        engine.error(bar.t, (e as Error).message);
        continue;
      }
      w.bar(pos, k, bar);
      pos++;
      if (pos - lastCommit.pos >= COMMIT_BARS || performance.now() - lastCommit.at >= COMMIT_MS) commit();
      if (performance.now() - lastStatus >= STATUS_MS || tripped) {
        tripped = null;
        commit();
        lastStatus = performance.now();
        ch.post({ type: 'status', info: info(paused ? 'paused' : 'running') });
        for (const a of models?.alerts() ?? []) ch.post({ type: 'alert', ...a });
        // Lets control messages in while a replay runs flat out.
        await ch.wait(0);
      }
    }
    // The live minutes (and book) gathered so far go to the lake before the session says it ended.
    await bronze?.close();
    await bookBronze?.close();
    if (detached) {
      commit();
      return;
    }
    if (stopped) {
      commit();
      status('stopped');
      ch.post({ type: 'ended', info: info('stopped') });
      return;
    }
    engine.finish();
    for (const x of models?.alerts() ?? []) ch.post({ type: 'alert', ...x });
    commit();
    status('finished');
    ch.post({ type: 'ended', info: info('finished') });
  } catch (e) {
    await bronze?.close().catch(() => undefined);
    await bookBronze?.close().catch(() => undefined);
    w.rollback();
    const message = secrets.feedKey ? redact((e as Error).message, [secrets.feedKey]) : (e as Error).message;
    journal.setSessionStatus(id, 'failed', message);
    ch.post({ type: 'ended', info: info('failed', message) });
  } finally {
    feed.close();
    await models?.close();
  }
}
