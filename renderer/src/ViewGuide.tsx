import { Modal } from './Modal';

/** What each view is for and how its work is done, in a few lines (Help → Guide to This View, F1). */
export const GUIDES: Record<string, { title: string; steps: string[] }> = {
  chart: {
    title: 'Chart',
    steps: [
      'Pick a symbol and a timeframe; older bars load as you scroll left. Go to jumps to a date.',
      'Indicators come from the same feature registry builds and paper trading use: click one, or type any feature such as stoch(14,3,3).',
      'The legend shows every value under the crosshair; choose the time zone the axis is shown in (daily bars stay session dates).',
      '— Line and ╱ Trend draw on the price pane (one click, or two for a trend line); drawings are kept per symbol.',
      'From a backtest, a trade row opens its trades here as markers; hover one for its prices and net P&L.',
    ],
  },
  data: {
    title: 'Data',
    steps: [
      'Backfill… fetches bars from a source; Import… reads CSV, DBN or Parquet files, with a column-mapping step and a time-zone warning for local times.',
      'Each series shows rows, coverage by month and a QA report; Delete… removes a series (its rejects stay).',
      'Rejects lists every row an import refused, with file, line and reason. SQL queries the lake read-only.',
    ],
  },
  features: {
    title: 'Features',
    steps: [
      'A feature set is YAML: timeframe, symbols, features and labels; it is checked as you type.',
      'Build computes it over the lake (the same kernels as paper trading); the build shows its column statistics.',
      'Run IC analysis for horizons in bars: progress per feature and horizon, then the strongest effects plotted and the full table.',
    ],
  },
  models: {
    title: 'Models',
    steps: [
      'Research → Train… opens the training form (YAML as the advanced tab); progress shows trials, trees or epochs with an ETA.',
      'The leaderboard ranks versions by an editable score; click a row for its page: card, folds, curve, importance, reliability, history.',
      'Check runs a version on recent rows and names the provider that ran it. Promote, Demote and Roll back ask before they act.',
    ],
  },
  backtests: {
    title: 'Backtests',
    steps: [
      'Research → Backtest… runs a strategy with the paper path’s costs and sizing; runs are named strategy · symbols · timeframe · period.',
      'Tick two runs to compare them; a trade row opens it on the chart; Trades CSV downloads every trade.',
      'Sweep a parameter grid (optionally walked forward), and build a portfolio from runs of one timeframe with max positions and a correlation limit.',
    ],
  },
  paper: {
    title: 'Paper',
    steps: [
      'The killswitch halts every order (Ctrl/Cmd+Shift+K); re-arming needs a reason and is logged.',
      'Replay a portfolio over past bars, or start a session (replay or a live feed) and follow it against its backtest.',
      'Alerts (trips, errors) show here and over every view.',
    ],
  },
  jobs: {
    title: 'Jobs',
    steps: ['Every long task runs as a job with progress and an ETA; cancel a running one.', 'Interrupted jobs resume; a job that failed on its input offers Edit & retry instead.'],
  },
  settings: {
    title: 'Settings',
    steps: ['Data sources and their keys, the inference provider, retention, account risk limits (drawdown in percent), the leaderboard score and the git export.', 'Each field saves on its own and shows its error beside it.'],
  },
};

/** The current view's guide as a dialog. */
export function ViewGuide({ view, onClose }: { view: string; onClose: () => void }) {
  const g = GUIDES[view] ?? GUIDES.chart!;
  return (
    <Modal label={`Guide: ${g.title}`} testId="view-guide" onClose={onClose}>
      <h2>{g.title}</h2>
      <ol>
        {g.steps.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ol>
    </Modal>
  );
}
