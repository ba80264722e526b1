import { useEffect, useState } from 'react';
import { Modal } from './Modal';
import type { ApiError } from '../../core/common/errors';
import type { FeatureSetInfo, JobInfo, JobProgress } from '../../core/common/types';
import { client } from './api';
import { submitWith } from './forms';
import { JobFollower } from './JobFollower';
import { fmtEta } from './format';

/** A starting config for a set's current build: the same YAML `quantdesk train --config` reads. */
function template(set: string, columns: string[]): string {
  const label = columns.find((c) => c.startsWith('label_')) ?? 'label_b1';
  return [
    `name: ${set}-gbdt`,
    `featureSet: ${set}`,
    `label: ${label}`,
    '# features: [a, b]      # default: every feature column of the build',
    'model:',
    '  kind: gbdt             # gbdt, forest, mlp, knn, logistic, ridge or lasso',
    '  nTrees: 200',
    '  maxDepth: 6',
    '  learningRate: 0.1',
    'split:',
    '  validation: 0.2',
    '  test: 0.2',
    '  embargo: 1             # rows purged before each boundary: at least the label horizon',
    'seed: 1',
    '',
  ].join('\n');
}

/** Models → Train…: a training config (YAML, as the CLI takes it) for a feature set's build; then follow the job. */
export function TrainDialog({ onClose, jobs, progress }: { onClose: () => void; jobs: JobInfo[]; progress: Record<string, JobProgress> }) {
  const [sets, setSets] = useState<FeatureSetInfo[]>([]);
  const [set, setSet] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);

  useEffect(() => {
    void client.call('features.sets', {}).then((all) => {
      const valid = all.filter((s) => s.hash !== null);
      setSets(valid);
      if (valid[0]) setSet(valid[0].name);
    });
  }, []);
  useEffect(() => {
    if (!set) return;
    void client.call('features.build', { set }).then((b) => {
      setText(template(set, b?.columns ?? []));
      setError(b ? null : `feature set ${set} has no build yet: build it in the Features view first`);
    });
  }, [set]);

  const start = async (): Promise<void> => {
    setError(null);
    try {
      const config = await client.call('models.checkConfig', { text });
      setJobId((await client.call('jobs.start', { kind: 'train', config })).jobId);
    } catch (e) {
      setError((e as ApiError).message);
    }
  };

  const job = jobs.find((j) => j.id === jobId);
  const result = job?.status === 'succeeded' ? (job.result as { id: string; version: number; metrics: Record<string, Record<string, number>> }) : null;
  return (
    <Modal label="Train a model" testId="train-dialog" wide onClose={onClose}>
      <h2>Train a model</h2>
      {!jobId && (
        <form onSubmit={submitWith(start)}>
          <label>
            Feature set
            <select value={set} onChange={(e) => setSet(e.target.value)} data-testid="train-set">
              {sets.map((s) => (
                <option key={s.name}>{s.name}</option>
              ))}
            </select>
          </label>
          <textarea className="config" rows={16} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} aria-label="Training config" data-testid="train-config" />
          {error && (
            <p className="error" role="alert" data-testid="train-error">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={!set} data-testid="train-start">
              Train
            </button>
          </div>
        </form>
      )}
      {jobId && (
        <JobFollower jobId={jobId} jobs={jobs} progress={progress} running={(p) => `${p?.message ?? 'starting'} · ETA ${fmtEta(p?.etaSeconds ?? null)}`} ids={{ root: 'train-job', bar: 'train-progress', summary: 'train-summary', close: 'train-close' }} onClose={onClose}>
          {result && (
            <p data-testid="train-result">
              {result.id}@{result.version} is a candidate on the leaderboard
              {result.metrics.test?.auc !== undefined && ` · test AUC ${result.metrics.test.auc.toFixed(4)}`}
              {result.metrics.test?.rmse !== undefined && ` · test RMSE ${result.metrics.test.rmse.toFixed(4)}`}
            </p>
          )}
        </JobFollower>
      )}
    </Modal>
  );
}
