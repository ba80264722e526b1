import type { IcStats } from '../../../core/common/features/ic';
import type { JobInfo, JobProgress } from '../../../core/common/jobs/types';
import { fmtEta } from '../format';
import { SvgPlot } from './SvgPlot';

const num = (x: number, d = 4): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
/** How many of the strongest features are plotted. */
const TOP = 3;

/** The IC job's progress (feature × horizon pairs done, ETA) and its results: the largest effects plotted (IC by horizon, quintile returns), then the full table. */
export function IcPanel({ job, p, stats }: { job?: JobInfo; p?: JobProgress; stats: IcStats[] | null }) {
  const running = job && (job.status === 'queued' || job.status === 'running');
  const strongest = stats ? [...new Set([...stats].sort((a, b) => Math.abs(b.ic || 0) - Math.abs(a.ic || 0)).map((s) => s.feature))].slice(0, TOP) : [];
  const best = (feature: string): IcStats => stats!.filter((s) => s.feature === feature).reduce((a, b) => (Math.abs(b.ic || 0) > Math.abs(a.ic || 0) ? b : a));
  const maxIc = Math.max(1e-9, ...(stats ?? []).map((s) => Math.abs(s.ic) || 0));
  return (
    <>
      {running && (
        <div className="ic-progress" data-testid="ic-progress">
          <progress max={1} value={p?.fraction ?? 0} /> {p?.message ?? job.status} · ETA {fmtEta(p?.etaSeconds ?? null)}
        </div>
      )}
      {stats && strongest.length > 0 && (
        <div className="ic-plots" data-testid="ic-plots">
          {strongest.map((f) => {
            const byH = stats.filter((s) => s.feature === f).sort((a, b) => a.horizon - b.horizon);
            const top = best(f);
            const q = top.quintiles;
            const qMax = Math.max(1e-12, ...q.map((x) => Math.abs(x)));
            return (
              <figure key={f} className="ic-figure" data-testid="ic-figure">
                <figcaption>
                  {f}: IC {num(top.ic)} at {top.horizon} bars (t {num(top.tStat, 2)})
                </figcaption>
                <SvgPlot points={byH.map((s) => ({ x: s.horizon, y: s.ic }))} line={byH.length > 1} xLabel="horizon (bars)" yLabel="IC" testId="ic-by-horizon" />
                <div className="quintiles" data-testid="ic-quintiles" title={`Mean forward return per quintile of ${f} at ${top.horizon} bars`}>
                  {q.map((x, i) => (
                    <div key={i} className="quintile">
                      <span className={`q-bar ${x >= 0 ? 'pos' : 'neg'}`} style={{ height: `${(40 * Math.abs(x)) / qMax}px` }} />
                      <span className="q-label">Q{i + 1}</span>
                    </div>
                  ))}
                  <span className="muted">Q5−Q1 {num(top.spread, 6)}</span>
                </div>
              </figure>
            );
          })}
        </div>
      )}
      {stats && (
        <table className="grid" data-testid="ic-table">
          <thead>
            <tr>
              <th>feature</th>
              <th>h</th>
              <th>IC</th>
              <th>rank IC</th>
              <th>t</th>
              <th>ICIR</th>
              <th>Q5−Q1</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {stats.map((s) => (
              <tr key={`${s.feature}/${s.horizon}`}>
                <td>{s.feature}</td>
                <td>{s.horizon}</td>
                <td>{num(s.ic)}</td>
                <td>{num(s.rankIc)}</td>
                <td>{num(s.tStat, 2)}</td>
                <td>{num(s.icir, 3)}</td>
                <td>{num(s.spread, 6)}</td>
                <td className="ic-bar-cell">
                  <span className={`ic-bar ${s.ic >= 0 ? 'pos' : 'neg'}`} style={{ width: `${(Math.abs(s.ic || 0) / maxIc) * 100}%` }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
