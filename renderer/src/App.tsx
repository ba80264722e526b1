import { useCallback, useEffect, useMemo, useState } from 'react';
import { dialogOpen, Modal } from './Modal';
import { ShortcutSheet } from './ShortcutSheet';
import { ViewGuide } from './ViewGuide';
import { buildMenu, commandForKey, type MenuCommand } from '../../core/common/menu';
import type { AppInfo } from '../../core/common/app-info';
import type { InferenceSettings } from '../../core/common/models/types';
import { client, inElectron } from './api';
import { BackfillDialog, type BackfillRequest } from './BackfillDialog';
import { ImportDialog, type ImportRequest } from './ImportDialog';
import { fmtEta } from './format';
import { useJobs, useLakeVersion, usePersistentState } from './hooks';
import { MenuBar } from './MenuBar';
import { ChartView, type ChartFocus } from './views/ChartView';
import { DataView } from './views/DataView';
import { JobsView } from './views/JobsView';
import { FeaturesView } from './views/FeaturesView';
import { ModelsView } from './views/ModelsView';
import { SettingsView } from './views/SettingsView';
import { TrainDialog } from './TrainDialog';
import { BacktestDialog } from './BacktestDialog';
import { Killswitch } from './Killswitch';
import { AlertToasts } from './Alerts';
import { ExportConfigDialog, ImportConfigDialog } from './GitConfigDialogs';
import { BacktestsView } from './views/BacktestsView';
import { PaperView } from './views/PaperView';

const VIEWS = ['chart', 'data', 'features', 'models', 'backtests', 'paper', 'jobs', 'settings'] as const;
type View = (typeof VIEWS)[number];

/** The provider inference runs on: the stored one, or the first of the platform's list that loads here. */
function providerInUse(s: InferenceSettings): string {
  const loads = (p: string): boolean => s.providers.some((x) => x.provider === p && x.available);
  if (s.provider !== 'auto') return loads(s.provider) ? s.provider : `cpu (${s.provider} is set but does not load here)`;
  return `${s.platformOrder.find(loads) ?? 'cpu'} (auto: ${s.platformOrder.join(' → ')})`;
}

/** Where a tree ensemble's nodes ran on the provider in use, as the probe's profile saw them. */
function treesRunOn(s: InferenceSettings): string {
  const inUse = providerInUse(s).split(' ')[0]!;
  return `ran on ${s.providers.find((x) => x.provider === inUse)?.trees ?? 'cpu'} (ONNX Runtime's profile of a one-tree model on ${inUse})`;
}

/** Stops every running or paused paper session (Trading → Stop All Paper Sessions). */
async function stopAllSessions(): Promise<void> {
  const live = (await client.call('paper.sessions', {})).filter((s) => s.status === 'running' || s.status === 'paused' || s.status === 'starting');
  await Promise.all(live.map((s) => client.call('paper.session.control', { session: s.id, action: 'stop' }).catch(() => undefined)));
}

export function App() {
  // The view survives a reload and a restart.
  const [view, setView] = usePersistentState<View>('view', 'chart', (x): x is View => typeof x === 'string' && (VIEWS as readonly string[]).includes(x));
  const [backfillOpen, setBackfillOpen] = useState(false);
  // A failed job's request, brought back into its dialog by Edit & retry.
  const [retry, setRetry] = useState<{ backfill?: BackfillRequest; import?: ImportRequest }>({});
  const [trainOpen, setTrainOpen] = useState(false);
  const [backtestOpen, setBacktestOpen] = useState(false);
  const [backtestRun, setBacktestRun] = useState<string | null>(null);
  const [chartFocus, setChartFocus] = useState<ChartFocus | null>(null);
  const [haltRequest, setHaltRequest] = useState(0);
  const [flattenRequest, setFlattenRequest] = useState(0);
  const [sessionRequest, setSessionRequest] = useState(0);
  const [buildRequest, setBuildRequest] = useState(0);
  const [importFiles, setImportFiles] = useState<File[] | null>(null);
  const [aboutOpen, setAboutOpen] = useState(false);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const [guideOpen, setGuideOpen] = useState(false);
  const [gitDialog, setGitDialog] = useState<'export' | 'import' | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [inference, setInference] = useState<InferenceSettings | null>(null);
  const lakeVersion = useLakeVersion();
  const [refresh, setRefresh] = useState(0);
  const { jobs, progress } = useJobs();
  const menus = useMemo(() => buildMenu({ platform: 'web', appName: 'Quantdesk', devTools: false }), []);

  useEffect(() => {
    void client.call('app.info', {}).then(setInfo);
  }, []);
  useEffect(() => {
    if (aboutOpen) void client.call('settings.inference', {}).then(setInference);
  }, [aboutOpen]);

  const run = useCallback((cmd: MenuCommand) => {
    if (cmd === 'data.backfill') setBackfillOpen(true);
    else if (cmd === 'file.import') setImportFiles([]);
    else if (cmd === 'data.refresh') setRefresh((x) => x + 1);
    else if (cmd === 'view.chart') setView('chart');
    else if (cmd === 'view.data') setView('data');
    else if (cmd === 'view.features') setView('features');
    else if (cmd === 'view.models') setView('models');
    else if (cmd === 'view.backtests') setView('backtests');
    else if (cmd === 'view.paper') setView('paper');
    else if (cmd === 'view.jobs') setView('jobs');
    else if (cmd === 'backtest.run') setBacktestOpen(true);
    else if (cmd === 'paper.halt') setHaltRequest((x) => x + 1);
    else if (cmd === 'paper.haltFlatten') setFlattenRequest((x) => x + 1);
    else if (cmd === 'paper.start') {
      setView('paper');
      setSessionRequest((x) => x + 1);
    } else if (cmd === 'paper.stopAll') {
      setView('paper');
      void stopAllSessions();
    }
    else if (cmd === 'app.settings') setView('settings');
    else if (cmd === 'models.train') setTrainOpen(true);
    else if (cmd === 'features.build') {
      setView('features');
      setBuildRequest((x) => x + 1);
    }
    else if (cmd === 'help.about') setAboutOpen(true);
    else if (cmd === 'help.shortcuts') setShortcutsOpen(true);
    else if (cmd === 'help.guide') setGuideOpen(true);
    else if (cmd === 'config.export') setGitDialog('export');
    else if (cmd === 'config.import') setGitDialog('import');
  }, []);

  useEffect(() => client.on('menu.command', (e) => run(e.command)), [run]);
  useEffect(() => {
    if (inElectron) return;
    const onKey = (e: KeyboardEvent): void => {
      const cmd = commandForKey(menus, e);
      // Behind an open dialog only the halts act: a trader under stress must always be able to stop trading.
      if (cmd && dialogOpen() && cmd !== 'paper.halt' && cmd !== 'paper.haltFlatten') return;
      if (cmd) {
        e.preventDefault();
        run(cmd);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [menus, run]);

  // Files dropped anywhere on the window open the import dialog (and never navigate away).
  useEffect(() => {
    const over = (e: DragEvent): void => e.preventDefault();
    const drop = (e: DragEvent): void => {
      e.preventDefault();
      const dropped = Array.from(e.dataTransfer?.files ?? []);
      if (dropped.length) setImportFiles(dropped);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  const active = jobs.find((j) => j.status === 'running');
  const activeProgress = active ? progress[active.id] : undefined;
  const dataVersion = lakeVersion + refresh;

  return (
    <div className="app">
      {!inElectron && <MenuBar menus={menus} onCommand={run} />}
      <div className="body">
        <nav className="nav" aria-label="Views">
          {VIEWS.map((v) => (
            <button key={v} className={view === v ? 'active' : ''} aria-current={view === v ? 'page' : undefined} onClick={() => setView(v)} data-testid={`nav-${v}`}>
              {{ chart: 'Chart', data: 'Data', features: 'Features', models: 'Models', backtests: 'Backtests', paper: 'Paper', jobs: 'Jobs', settings: 'Settings' }[v]}
            </button>
          ))}
        </nav>
        <main className="main">
          {view === 'chart' && <ChartView dataVersion={dataVersion} seeding={active !== undefined ? activeProgress?.fraction ?? 0 : null} focus={chartFocus} />}
          {view === 'data' && <DataView dataVersion={dataVersion} onBackfill={() => setBackfillOpen(true)} onImport={() => setImportFiles([])} />}
          {view === 'features' && <FeaturesView jobs={jobs} progress={progress} buildRequest={buildRequest} />}
          {view === 'models' && <ModelsView dataVersion={dataVersion} />}
          {view === 'backtests' && <BacktestsView
              selected={backtestRun}
              onSelect={setBacktestRun}
              dataVersion={dataVersion}
              onNew={() => setBacktestOpen(true)}
              onShowTrade={(f) => {
                setChartFocus(f);
                setView('chart');
              }}
              jobs={jobs}
            />}
          {view === 'paper' && <PaperView jobs={jobs} sessionRequest={sessionRequest} />}
          {view === 'jobs' && (
            <JobsView
              jobs={jobs}
              progress={progress}
              onRetry={(j) => {
                if (j.kind === 'backfill') {
                  setRetry({ backfill: j.request as BackfillRequest });
                  setBackfillOpen(true);
                } else if (j.kind === 'import') {
                  setRetry({ import: j.request as ImportRequest });
                  setImportFiles([]);
                }
              }}
            />
          )}
          {view === 'settings' && <SettingsView info={info} />}
        </main>
      </div>
      <footer className="status" data-testid="status-bar">
        <span>{info ? `${info.host} · ${info.home}` : 'connecting…'}</span>
        <Killswitch haltRequest={haltRequest} flattenRequest={flattenRequest} />
        {active && (
          <span className="status-job" data-testid="status-job">
            {active.kind} {Math.round((activeProgress?.fraction ?? 0) * 100)}% · ETA {fmtEta(activeProgress?.etaSeconds ?? null)}
            <progress max={1} value={activeProgress?.fraction ?? 0} />
          </span>
        )}
      </footer>
      <AlertToasts onOpen={() => setView('paper')} />
      {gitDialog === 'export' && <ExportConfigDialog onClose={() => setGitDialog(null)} />}
      {gitDialog === 'import' && <ImportConfigDialog onClose={() => setGitDialog(null)} />}
      {importFiles !== null && (
        <ImportDialog
          initialFiles={importFiles}
          initial={retry.import}
          onClose={() => {
            setImportFiles(null);
            setRetry({});
          }}
          jobs={jobs}
          progress={progress}
        />
      )}
      {backfillOpen && (
        <BackfillDialog
          initial={retry.backfill}
          onClose={() => {
            setBackfillOpen(false);
            setRetry({});
          }}
          jobs={jobs}
          progress={progress}
        />
      )}
      {trainOpen && <TrainDialog onClose={() => setTrainOpen(false)} jobs={jobs} progress={progress} />}
      {backtestOpen && (
        <BacktestDialog
          onClose={() => setBacktestOpen(false)}
          onOpen={(runId) => {
            setBacktestOpen(false);
            setBacktestRun(runId);
            setView('backtests');
          }}
          jobs={jobs}
          progress={progress}
        />
      )}
      {shortcutsOpen && <ShortcutSheet menus={menus} onClose={() => setShortcutsOpen(false)} />}
      {guideOpen && <ViewGuide view={view} onClose={() => setGuideOpen(false)} />}
      {aboutOpen && info && (
        <Modal label="About Quantdesk" onClose={() => setAboutOpen(false)}>
          <h2>Quantdesk {info.version}</h2>
          <table className="grid">
            <tbody>
              {Object.entries(info.versions).map(([k, v]) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td>{v}</td>
                </tr>
              ))}
              {inference && (
                <tr>
                  <td>execution provider</td>
                  <td data-testid="about-provider">{providerInUse(inference)}</td>
                </tr>
              )}
              {inference && (
                <tr>
                  <td>tree models</td>
                  <td data-testid="about-trees">{treesRunOn(inference)}</td>
                </tr>
              )}
            </tbody>
          </table>
          <div className="actions">
            <button onClick={() => setAboutOpen(false)}>Close</button>
          </div>
        </Modal>
      )}
    </div>
  );
}
