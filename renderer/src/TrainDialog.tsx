import { useEffect, useState } from 'react';
import { DialogActions } from './DialogActions';
import { Modal } from './Modal';
import type { ApiError } from '../../core/common/errors';
import type { FeatureSetInfo } from '../../core/common/features/set-types';
import type { JobInfo, JobProgress } from '../../core/common/jobs/types';
import { choosesObjective, configToForm, defaultParams, formProblem, formToConfig, isTrainForm, KIND_PARAMS, MODEL_KINDS, newTrainForm, objectiveOf, type ModelKind, type TrainForm } from '../../core/common/train-form';
import { client } from './api';
import { submitWith } from './forms';
import { usePersistentState } from './hooks';
import { JobFollower } from './JobFollower';
import { fmtEta } from './format';

/** Research → Train…: a form (feature set, label, model and its main parameters, walk-forward, search) with its YAML as the advanced tab; then the job's progress. */
export function TrainDialog({ onClose, jobs, progress }: { onClose: () => void; jobs: JobInfo[]; progress: Record<string, JobProgress> }) {
  const [sets, setSets] = useState<FeatureSetInfo[]>([]);
  const [labels, setLabels] = useState<string[]>([]);
  const [saved, setSaved] = usePersistentState<TrainForm | null>('train.form', null, isTrainForm);
  const [form, setForm] = useState<TrainForm | null>(null);
  const [tab, setTab] = useState<'form' | 'yaml'>('form');
  const [text, setText] = useState('');
  const [yamlEdited, setYamlEdited] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);

  useEffect(() => {
    void client.call('features.sets', {}).then((all) => {
      const valid = all.filter((s) => s.hash !== null);
      setSets(valid);
      const set = valid.find((s) => s.name === saved?.featureSet)?.name ?? valid[0]?.name;
      if (set) setForm(saved?.featureSet === set ? saved : newTrainForm(set, []));
    });
  }, []);
  const set = form?.featureSet ?? '';
  useEffect(() => {
    if (!set) return;
    void client.call('features.build', { set }).then((b) => {
      const ls = (b?.columns ?? []).filter((c) => c.startsWith('label_'));
      setLabels(ls);
      setForm((f) => (f && !ls.includes(f.label) && ls[0] ? { ...f, label: ls[0] } : f));
      setError(b ? null : `feature set ${set} has no build yet: build it in the Features view first`);
    });
  }, [set]);
  // The form is kept as it is edited, so that it comes back after a reload or a restart.
  useEffect(() => {
    if (form) setSaved(form);
  }, [form]);

  const update = (patch: Partial<TrainForm>): void => setForm((f) => (f ? { ...f, ...patch } : f));
  const showYaml = async (): Promise<void> => {
    if (form && !yamlEdited) setText((await client.call('models.configYaml', { config: formToConfig(form) })).text);
    setNotice(null);
    setTab('yaml');
  };
  const showForm = async (): Promise<void> => {
    if (yamlEdited) {
      try {
        const back = configToForm(await client.call('models.checkConfig', { text }));
        if (typeof back === 'string') return setNotice(`This YAML cannot be shown as the form: ${back}. Train it from this tab.`);
        setForm(back);
        setYamlEdited(false);
      } catch (e) {
        return setNotice(`The YAML does not read as a training config: ${(e as ApiError).message}`);
      }
    }
    setNotice(null);
    setTab('form');
  };

  const problem = tab === 'form' && form ? formProblem(form) : null;
  const start = async (): Promise<void> => {
    setError(null);
    if (!form) return;
    if (problem) return setError(problem);
    try {
      const config = await client.call('models.checkConfig', { text: tab === 'yaml' ? text : (await client.call('models.configYaml', { config: formToConfig(form) })).text });
      setJobId((await client.call('jobs.start', { kind: 'train', config })).jobId);
    } catch (e) {
      setError((e as ApiError).message);
    }
  };

  const job = jobs.find((j) => j.id === jobId);
  const result = job?.status === 'succeeded' ? (job.result as { id: string; version: number; metrics: Record<string, Record<string, number>> }) : null;
  const num = (v: string): number => (v.trim() === '' ? Number.NaN : Number(v));
  return (
    <Modal label="Train a model" testId="train-dialog" wide onClose={onClose}>
      <h2>Train a model</h2>
      {!jobId && form && (
        // The form's own checks (formProblem) name the field; the browser's step rules would block a learning rate of 0.1 silently.
        <form noValidate onSubmit={submitWith(start)}>
          <div className="segmented" role="tablist">
            <button type="button" role="tab" aria-selected={tab === 'form'} className={tab === 'form' ? 'active' : ''} onClick={() => void showForm()} data-testid="train-tab-form">
              Form
            </button>
            <button type="button" role="tab" aria-selected={tab === 'yaml'} className={tab === 'yaml' ? 'active' : ''} onClick={() => void showYaml()} data-testid="train-tab-yaml">
              YAML (advanced)
            </button>
          </div>
          {notice && (
            <p className="warning" data-testid="train-notice">
              {notice}
            </p>
          )}
          {tab === 'form' && (
            <div className="train-form">
              <div className="row wrap">
                <label>
                  Name
                  <input value={form.name} onChange={(e) => update({ name: e.target.value })} data-testid="train-name" />
                </label>
                <label>
                  Feature set
                  <select value={form.featureSet} onChange={(e) => update({ featureSet: e.target.value })} data-testid="train-set">
                    {sets.map((s) => (
                      <option key={s.name}>{s.name}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Label
                  <select value={form.label} onChange={(e) => update({ label: e.target.value })} data-testid="train-label">
                    {labels.map((l) => (
                      <option key={l}>{l}</option>
                    ))}
                  </select>
                </label>
              </div>
              <div className="row wrap">
                <label>
                  Model
                  <select value={form.kind} onChange={(e) => update({ kind: e.target.value as ModelKind, params: defaultParams(e.target.value as ModelKind) })} data-testid="train-kind">
                    {MODEL_KINDS.map((k) => (
                      <option key={k}>{k}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Objective
                  <select value={objectiveOf(form.kind, form.objective)} disabled={!choosesObjective(form.kind)} onChange={(e) => update({ objective: e.target.value as TrainForm['objective'] })} data-testid="train-objective">
                    <option value="binary">binary (classifier)</option>
                    <option value="regression">regression</option>
                  </select>
                </label>
                {KIND_PARAMS[form.kind].map((p) => (
                  <label key={p.key}>
                    {p.label}
                    <input type="number" min={p.min} max={p.max} step={p.step} value={Number.isNaN(form.params[p.key]) ? '' : form.params[p.key]} onChange={(e) => update({ params: { ...form.params, [p.key]: num(e.target.value) } })} data-testid={`train-param-${p.key}`} />
                  </label>
                ))}
              </div>
              <div className="row wrap">
                <label>
                  Walk-forward folds (0: none)
                  <input type="number" min={0} max={50} value={form.folds} onChange={(e) => update({ folds: num(e.target.value) })} data-testid="train-folds" />
                </label>
                <label>
                  Search trials (0: none)
                  <input type="number" min={0} max={500} value={form.trials} onChange={(e) => update({ trials: num(e.target.value) })} data-testid="train-trials" />
                </label>
                <label>
                  Seed
                  <input type="number" value={form.seed} onChange={(e) => update({ seed: num(e.target.value) })} data-testid="train-seed" />
                </label>
              </div>
              {problem && <div className="field-error" data-testid="train-problem">{problem}</div>}
            </div>
          )}
          {tab === 'yaml' && (
            <textarea
              className="config"
              rows={16}
              spellCheck={false}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setYamlEdited(true);
              }}
              aria-label="Training config"
              data-testid="train-config"
            />
          )}
          {error && (
            <p className="error" role="alert" data-testid="train-error">
              {error}
            </p>
          )}
          <DialogActions onCancel={onClose} submit="Train" disabled={!form.featureSet || problem !== null} testId="train-start" />
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
