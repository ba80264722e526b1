import { useEffect, useState } from 'react';
import { clickOnce, submitWith } from '../forms';
import { featureCatalog } from '../../../core/common/features/catalog';
import type { IcStats } from '../../../core/common/features/ic';
import { IcPanel } from './IcPanel';
import type { FeatureBuildInfo, FeatureSetCheck, FeatureSetInfo } from '../../../core/common/features/set-types';
import type { JobInfo, JobProgress } from '../../../core/common/jobs/types';
import { client } from '../api';
import { followJob } from '../JobFollower';
import { fmtInt } from '../format';

const num = (x: number | null, digits = 4): string => (x === null || !Number.isFinite(x) ? '–' : Math.abs(x) >= 1e5 ? x.toExponential(3) : x.toFixed(digits));

/** Feature sets: edit and validate the YAML, build it, read its manifest and validation, and run the IC report. */
export function FeaturesView({ jobs, progress, buildRequest }: { jobs: JobInfo[]; progress: Record<string, JobProgress>; buildRequest: number }) {
  const [sets, setSets] = useState<FeatureSetInfo[]>([]);
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [check, setCheck] = useState<FeatureSetCheck | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [build, setBuild] = useState<FeatureBuildInfo | null>(null);
  const [symbol, setSymbol] = useState('');
  const [buildJob, setBuildJob] = useState<string | null>(null);
  const [icJob, setIcJob] = useState<string | null>(null);
  const [horizons, setHorizons] = useState('1,5,20');
  const [showRegistry, setShowRegistry] = useState(false);

  const reload = async (select?: string): Promise<void> => {
    const all = await client.call('features.sets', {});
    setSets(all);
    const pick = all.find((s) => s.name === (select ?? name)) ?? all[0];
    if (pick) {
      setName(pick.name);
      setText(pick.text);
    }
  };
  useEffect(() => void reload(), []);
  useEffect(() => {
    if (!name) return;
    void client.call('features.build', { set: name }).then((b) => {
      setBuild(b);
      setSymbol((cur) => (b && b.symbols[cur] ? cur : Object.keys(b?.symbols ?? {})[0] ?? ''));
    });
  }, [name, buildJob && followJob(buildJob, jobs, progress).done]);
  useEffect(() => {
    const t = setTimeout(() => void client.call('features.validate', { text }).then(setCheck), 250);
    return () => clearTimeout(t);
  }, [text]);

  const b = followJob(buildJob, jobs, progress);
  const ic = followJob(icJob, jobs, progress);
  const icStats = ic.job?.status === 'succeeded' ? (ic.job.result as { stats: IcStats[] }).stats : null;
  const run = async (f: () => Promise<{ jobId: string }>, then: (id: string) => void): Promise<void> => {
    try {
      setMessage(null);
      then((await f()).jobId);
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  const startBuild = (): Promise<void> => run(() => client.call('jobs.start', { kind: 'features', set: name }), setBuildJob);
  // Research → Build Features (from the menu) builds the set shown here.
  useEffect(() => {
    if (buildRequest > 0 && name) void startBuild();
  }, [buildRequest, name !== '']);

  return (
    <div className="features-view" data-testid="features-view">
      <div className="toolbar">
        <label>
          Feature set{' '}
          <select
            value={name}
            onChange={(e) => {
              const s = sets.find((x) => x.name === e.target.value);
              setName(e.target.value);
              setText(s?.text ?? '');
            }}
            data-testid="set-picker"
          >
            {sets.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
                {s.builtin ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </label>
        <button
          onClick={() =>
            void client
              .call('features.save', { text })
              .then((s) => reload(s.name).then(() => setMessage(`Saved ${s.file}`)))
              .catch((e: Error) => setMessage(e.message))
          }
          disabled={!check?.ok}
          data-testid="set-save"
        >
          Save
        </button>
        <button className="primary" onClick={clickOnce(startBuild)} data-testid="set-build">
          Build
        </button>
        <button onClick={() => setShowRegistry((x) => !x)}>{showRegistry ? 'Hide' : 'Show'} feature registry</button>
      </div>
      {message && <div className="note" data-testid="features-message">{message}</div>}
      <div className="features-grid">
        <section>
          <h3>Definition</h3>
          <textarea value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} rows={22} aria-label="Feature set YAML" data-testid="set-yaml" />
          <p className={check?.ok ? 'ok' : 'error'} data-testid="set-check">
            {check === null ? '' : check.ok ? `Valid · hash ${check.hash} · ${check.columns.length} columns · ${check.symbols.join(', ')}` : check.error}
          </p>
          {buildJob && (
            <div data-testid="build-progress">
              <progress max={1} value={b.job?.status === 'succeeded' ? 1 : b.p?.fraction ?? 0} />
              <span>{b.done ? `${b.job?.status}: ${b.job?.summary ?? b.job?.error ?? ''}` : b.p?.message ?? 'queued'}</span>
            </div>
          )}
        </section>
        <section>
          <h3>IC report</h3>
          <p className="hint" data-testid="ic-convention">
            Each feature's correlation with the forward return is taken per exchange session for intraday bars (a CME session opening the evening before its date is one period) and per calendar month for daily and weekly bars, with at least 10 rows, then averaged over periods and symbols; t = mean IC ÷ (its standard deviation ÷ √periods).
          </p>
          <form
            onSubmit={submitWith(() => run(() => client.call('jobs.start', { kind: 'ic', set: name, horizons: horizons.split(',').map((h) => Number(h.trim())) }), setIcJob))}
          >
            <label>
              Horizons (bars) <input value={horizons} onChange={(e) => setHorizons(e.target.value)} data-testid="ic-horizons" />
            </label>
            <button type="submit" data-testid="ic-run">
              Run IC analysis
            </button>
            {ic.done && ic.job?.status !== 'succeeded' && <span className="error">{ic.job?.error}</span>}
          </form>
          <IcPanel job={ic.job} p={ic.p} stats={icStats} />
          <h3>Build {build ? build.buildId : '(not built yet)'}</h3>
          {build && (
            <>
              {build.incomplete.length > 0 && (
                <p className="error" data-testid="build-incomplete">
                  Incomplete: {build.incomplete.map((x) => `${x.symbol} (${x.status})`).join(', ')}. IC, promotion and training refuse this build until it is rebuilt (or are run with --allow-partial).
                </p>
              )}
              <table className="grid" data-testid="build-symbols">
                <thead>
                  <tr>
                    <th>symbol</th>
                    <th>rows</th>
                    <th>month files</th>
                    <th>input files</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(build.symbols).map(([s, x]) => (
                    <tr key={s} className={s === symbol ? 'selected' : ''} onClick={() => setSymbol(s)}>
                      <td>{s}</td>
                      <td>{fmtInt(x.rows)}</td>
                      <td>{x.months}</td>
                      <td>{x.inputs}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <table className="grid" data-testid="build-validation">
                <thead>
                  <tr>
                    <th>{symbol} column</th>
                    <th>null rate</th>
                    <th>min</th>
                    <th>max</th>
                    <th>mean</th>
                    <th>warm-up</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(build.validation[symbol] ?? {}).map(([c, v]) => (
                    <tr key={c}>
                      <td>{c}</td>
                      <td>{(v.nullRate * 100).toFixed(2)}%</td>
                      <td>{num(v.min)}</td>
                      <td>{num(v.max)}</td>
                      <td>{num(v.mean)}</td>
                      <td>{v.warmupRows}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>
      </div>
      {showRegistry && (
        <table className="grid" data-testid="registry">
          <thead>
            <tr>
              <th>feature</th>
              <th>outputs</th>
              <th>unit</th>
              <th>conventions</th>
            </tr>
          </thead>
          <tbody>
            {featureCatalog().map((f) => (
              <tr key={f.name}>
                <td>{f.spec}</td>
                <td>{f.outputs.slice(0, 4).join(', ')}{f.outputs.length > 4 ? ` … (${f.outputs.length})` : ''}</td>
                <td>{f.unit}</td>
                <td>{f.conventions}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
