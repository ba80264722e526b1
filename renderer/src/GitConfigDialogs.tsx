import { useEffect, useState } from 'react';
import { Modal } from './Modal';
import type { ApiError } from '../../core/common/errors';
import type { ExportPreview, ExportResult, ImportConfigResult } from '../../core/common/gitexport/types';
import { client } from './api';
import { submitWith } from './forms';
import { BrowseFolderButton } from './BrowseButton';

type Portfolio = { id: string; instruments: { name: string; symbol: string; model: string | null; ruleOnly: boolean }[] };

/**
 * File → Export Config to Git…: the target repository and folder, which portfolio and whether the
 * model files go too; Check shows the validation, uncommitted changes and the diff; Commit writes,
 * commits (tagging and pushing when asked) and shows the commit id to copy.
 */
export function ExportConfigDialog({ onClose }: { onClose: () => void }) {
  const [repo, setRepo] = useState('');
  const [dir, setDir] = useState('quantdesk');
  const [portfolios, setPortfolios] = useState<Portfolio[]>([]);
  const [portfolio, setPortfolio] = useState('');
  const [includeModels, setIncludeModels] = useState(false);
  const [message, setMessage] = useState('');
  const [tag, setTag] = useState('');
  const [push, setPush] = useState(false);
  const [force, setForce] = useState(false);
  const [override, setOverride] = useState('');
  const [remote, setRemote] = useState('origin');
  const [preview, setPreview] = useState<ExportPreview | null>(null);
  const [result, setResult] = useState<ExportResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    void client.call('settings.export', {}).then((s) => {
      setRepo(s.repo ?? '');
      setDir(s.dir);
      setRemote(s.remote);
      if (s.portfolio) setPortfolio(s.portfolio);
    });
    void client.call('config.portfolios', {}).then((list) => {
      setPortfolios(list);
      setPortfolio((p) => p || list[0]?.id || '');
    });
  }, []);

  const request = () => ({ repo, dir, portfolio: portfolio || null, includeModels, ...(message.trim() ? { message } : {}), ...(tag.trim() ? { tag } : {}), push, force, ...(override.trim() ? { override } : {}) });
  const act = async (f: () => Promise<void>): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      await f();
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };
  const check = (): Promise<void> =>
    act(async () => {
      setResult(null);
      setPreview(await client.call('config.preview', request()));
    });
  const commit = (): Promise<void> =>
    act(async () => {
      setResult(await client.call('config.export', request()));
      await client.call('settings.setExport', { repo, dir });
    });
  const setRuleOnly = (name: string, on: boolean): Promise<void> =>
    act(async () => {
      const p = portfolios.find((x) => x.id === portfolio)!;
      const names = p.instruments.filter((i) => (i.name === name ? on : i.ruleOnly)).map((i) => i.name);
      const next = await client.call('config.setRuleOnly', { portfolio, instruments: names });
      setPortfolios((all) => all.map((x) => (x.id === next.id ? next : x)));
      setPreview(null);
    });

  const chosen = portfolios.find((p) => p.id === portfolio);
  const failed = preview?.checks.filter((c) => !c.ok) ?? [];
  const secrets = failed.some((c) => c.check === 'secrets');
  return (
    <Modal label="Export config to git" testId="export-dialog" wide onClose={onClose}>
      <h2>Export config to git</h2>
      <form onSubmit={submitWith(check)}>
        <label>
          Repository (a folder; made a git repository if it is none)
          <span className="path-field">
            <input value={repo} onChange={(e) => setRepo(e.target.value)} placeholder="/path/to/live-config" data-testid="export-repo" />
            <BrowseFolderButton title="Repository to export into" value={repo} onChange={setRepo} testId="export-repo-browse" />
          </span>
        </label>
        <label>
          Folder inside it
          <input value={dir} onChange={(e) => setDir(e.target.value)} data-testid="export-dir" />
        </label>
        <label>
          Portfolio
          <select value={portfolio} onChange={(e) => setPortfolio(e.target.value)} data-testid="export-portfolio">
            {portfolios.length === 0 && <option value="">none stored</option>}
            {portfolios.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id} ({p.instruments.map((i) => i.name).join(', ')})
              </option>
            ))}
          </select>
        </label>
        {chosen && chosen.instruments.some((i) => !i.model) && (
          <fieldset>
            <legend>Instruments without a model: mark the ones that trade rule-only</legend>
            <div className="checks">
              {chosen.instruments
                .filter((i) => !i.model)
                .map((i) => (
                  <label key={i.name}>
                    <input type="checkbox" checked={i.ruleOnly} onChange={(e) => void setRuleOnly(i.name, e.target.checked)} data-testid={`export-rule-only-${i.name}`} /> {i.name}
                  </label>
                ))}
            </div>
          </fieldset>
        )}
        <div className="checks">
          <label>
            <input type="checkbox" checked={includeModels} onChange={(e) => setIncludeModels(e.target.checked)} data-testid="export-include-models" /> include the ONNX model files
          </label>
          <label>
            <input type="checkbox" checked={push} onChange={(e) => setPush(e.target.checked)} data-testid="export-push" /> push to {remote}
          </label>
        </div>
        <label>
          Commit message
          <textarea rows={2} value={message} onChange={(e) => setMessage(e.target.value)} placeholder="Quantdesk config: portfolio …, N model(s)" data-testid="export-message" />
        </label>
        <label>
          Tag (optional)
          <input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="desk-2026-11-21" data-testid="export-tag" />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy} data-testid="export-check">
            Check
          </button>
        </div>
      </form>

      {preview && (
        <div className="export-preview" data-testid="export-preview">
          <h3>Validation</h3>
          <table className="grid">
            <tbody>
              {preview.checks.map((c, i) => (
                <tr key={i} className={c.ok ? '' : 'bad'} data-testid="export-check-row">
                  <td>{c.ok ? 'ok' : 'FAILED'}</td>
                  <td>{c.subject}</td>
                  <td>{c.check}</td>
                  <td className="wrap">{c.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p data-testid="export-summary">
            {preview.willInit ? `${preview.repo} will be made a git repository. ` : ''}
            {preview.changed ? `${preview.files.filter((f) => f.status !== 'unchanged').length} file(s) change in ${preview.dir}/.` : 'Nothing changed since the last export: no commit will be made.'}
          </p>
          {preview.dirty.length > 0 && (
            <label className="error">
              <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="export-force" /> {preview.dir}/ has uncommitted changes ({preview.dirty.join(', ')}): overwrite them
            </label>
          )}
          {failed.length > 0 && !secrets && (
            <label>
              Validation failed. To export anyway, say why (recorded in the commit message):
              <input value={override} onChange={(e) => setOverride(e.target.value)} data-testid="export-override" />
            </label>
          )}
          {preview.diff && <pre className="diff" data-testid="export-diff">{preview.diff}</pre>}
          <div className="actions">
            <button className="primary" onClick={() => void commit()} disabled={busy || secrets || (failed.length > 0 && !override.trim()) || (preview.dirty.length > 0 && !force)} data-testid="export-commit">
              {preview.changed ? 'Commit' : push ? 'Push' : 'Commit (nothing to commit)'}
            </button>
          </div>
        </div>
      )}

      {result && (
        <p className="saved" data-testid="export-result">
          {result.changed ? `Committed ${result.commit}` : result.message}
          {result.tag ? `, tagged ${result.tag}` : ''}
          {result.pushed ? `, pushed to ${remote}` : ''}
          {result.commit && (
            <button
              onClick={() =>
                void navigator.clipboard.writeText(result.commit!).then(
                  () => setCopied(true),
                  () => setError('the clipboard refused; select the id and copy it by hand'),
                )
              }
              data-testid="export-copy"
            >
              {copied ? 'Copied' : 'Copy commit id'}
            </button>
          )}
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="export-error">
          {error}
        </p>
      )}
      <div className="actions">
        <button onClick={onClose}>Close</button>
      </div>
    </Modal>
  );
}

/** File → Import Config from Git…: a repository, a revision and the bundle folder, restored into the home. */
export function ImportConfigDialog({ onClose }: { onClose: () => void }) {
  const [repo, setRepo] = useState('');
  const [rev, setRev] = useState('HEAD');
  const [dir, setDir] = useState('quantdesk');
  const [result, setResult] = useState<ImportConfigResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void client.call('settings.export', {}).then((s) => {
      setRepo(s.repo ?? '');
      setDir(s.dir);
    });
  }, []);
  const run = async (): Promise<void> => {
    setError(null);
    try {
      setResult(await client.call('config.import', { repo, rev, dir }));
    } catch (e) {
      setError((e as ApiError).message);
    }
  };
  return (
    <Modal label="Import config from git" testId="import-config-dialog" onClose={onClose}>
      <h2>Import config from git</h2>
      <form onSubmit={submitWith(run)}>
        <label>
          Repository
          <span className="path-field">
            <input value={repo} onChange={(e) => setRepo(e.target.value)} placeholder="/path/to/live-config" data-testid="import-config-repo" />
            <BrowseFolderButton title="Repository to import from" value={repo} onChange={setRepo} testId="import-config-repo-browse" />
          </span>
        </label>
        <label>
          Revision (commit, branch or tag)
          <input value={rev} onChange={(e) => setRev(e.target.value)} data-testid="import-config-rev" />
        </label>
        <label>
          Folder inside it
          <input value={dir} onChange={(e) => setDir(e.target.value)} data-testid="import-config-dir" />
        </label>
        <div className="actions">
          <button type="submit" className="primary" data-testid="import-config-run">
            Import
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
      {result && (
        <div className="saved" data-testid="import-config-result">
          <p>
            Imported {result.commit.slice(0, 12)}: {result.strategies.length} strategy config(s), {result.featureSets.length} feature set(s), portfolio {result.portfolio ?? 'none'}; models {result.models.length} registered, {result.modelsPresent.length} already here.
          </p>
          {result.missing.length > 0 && (
            <ul className="error">
              {result.missing.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {error && (
        <p className="error" role="alert" data-testid="import-config-error">
          {error}
        </p>
      )}
    </Modal>
  );
}
