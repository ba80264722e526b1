import { useEffect, useState } from 'react';
import type { AppInfo, VendorKeyStatus } from '../../../core/common/app-info';
import type { InferenceSettings } from '../../../core/common/models/types';
import { SCORE_NAMES } from '../../../core/common/models/leaderboard';
import type { ArgOf } from '../../../core/common/api';
import { client } from '../api';
import { parsePercent, toPercentText } from '../format';
import { BrowseFolderButton } from '../BrowseButton';
import { Field } from './SettingField';
import { InstrumentMargins } from './InstrumentMargins';

/** The account limits the Settings view edits: gate limits, then the killswitch's trips. */
const LIMIT_FIELDS = [
  { key: 'maxPosition', label: 'Max position per symbol (contracts)' },
  { key: 'maxPositionNotional', label: 'Max notional per order' },
  { key: 'maxGrossExposure', label: 'Max gross exposure' },
  { key: 'maxOrdersPerSecond', label: 'Max orders per second' },
  { key: 'maxConcurrentPositions', label: 'Max concurrent positions' },
  { key: 'dailyLoss', label: 'Trip: daily loss' },
  { key: 'maxDrawdown', label: 'Trip: drawdown from peak (%)', percent: true },
  { key: 'maxOrdersPerMinute', label: 'Trip: orders per minute' },
  { key: 'maxErrorsPerMinute', label: 'Trip: errors per minute' },
  { key: 'staleBars', label: 'Trip: stale feed (bar intervals)' },
] as const;

const showMinimums = (m: Record<string, number>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** "auc 0.52, accuracy 0.5" as { auc: 0.52, accuracy: 0.5 }; a malformed pair says which. */
function parseMinimums(text: string): NonNullable<ArgOf<'settings.setExport'>['minimums']> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9]+)\s*[:= ]\s*(-?[\d.]+)$/.exec(part);
    if (!m || !Number.isFinite(Number(m[2]))) throw new Error(`"${part}": expected a metric and a number, such as auc 0.52`);
    out[m[1]!] = Number(m[2]);
  }
  // The server checks the metric names and says which it does not know.
  return out as NonNullable<ArgOf<'settings.setExport'>['minimums']>;
}

/** Settings: where the home is, the inference provider, the leaderboard score, retention, the alert webhook, git export, vendor keys. */
export function SettingsView({ info }: { info: AppInfo | null }) {
  const [inference, setInference] = useState<InferenceSettings | null>(null);
  const [provider, setProvider] = useState('auto');
  const [formula, setFormula] = useState('');
  const [defaultFormula, setDefaultFormula] = useState('');
  const [minuteDays, setMinuteDays] = useState('');
  const [webhook, setWebhook] = useState('');
  const [keys, setKeys] = useState<VendorKeyStatus[]>([]);
  const [typed, setTyped] = useState<Record<string, string>>({});
  const [plainOk, setPlainOk] = useState<Record<string, boolean>>({});
  const [moveTo, setMoveTo] = useState('');
  const [exportRepo, setExportRepo] = useState('');
  const [exportDir, setExportDir] = useState('');
  const [remote, setRemote] = useState('');
  const [authorName, setAuthorName] = useState('');
  const [authorEmail, setAuthorEmail] = useState('');
  const [minimums, setMinimums] = useState('');
  const [limits, setLimits] = useState<Record<string, string>>({});

  useEffect(() => {
    void client.call('settings.inference', {}).then((r) => {
      setInference(r);
      setProvider(r.provider);
    });
    void client.call('settings.leaderboard', {}).then((r) => {
      setFormula(r.formula);
      setDefaultFormula(r.default);
    });
    void client.call('settings.retention', {}).then((r) => setMinuteDays(String(r.minuteDays)));
    void client.call('settings.vendorKeys', {}).then(setKeys);
    void client.call('settings.paper', {}).then((r) => {
      setWebhook(r.webhook ?? '');
      setLimits(Object.fromEntries(Object.entries(r.limits).map(([k, v]) => [k, k === 'maxDrawdown' ? toPercentText(v) : String(v)])));
    });
    void client.call('settings.export', {}).then((r) => {
      setExportRepo(r.repo ?? '');
      setExportDir(r.dir);
      setRemote(r.remote);
      setAuthorName(r.author?.name ?? '');
      setAuthorEmail(r.author?.email ?? '');
      setMinimums(showMinimums(r.minimums));
    });
  }, []);

  return (
    <div className="settings-view" data-testid="settings-view">
      <section>
        <h3>Home</h3>
        <p>
          <code data-testid="settings-home">{info?.home ?? '…'}</code> ({info?.host ?? '…'} host)
        </p>
        <Field
          id="home-move"
          label="Move the home to"
          hint="catalog, lake and models move together and are checked on arrival; the app restarts on the new folder"
          onSave={async () => `moving to ${(await client.call('home.move', { to: moveTo })).to}; restarting…`}
        >
          <input className="formula" placeholder="/path/to/new/folder" value={moveTo} onChange={(e) => setMoveTo(e.target.value)} aria-label="New home folder" />
          <BrowseFolderButton title="Move the home to" value={moveTo} onChange={setMoveTo} testId="home-move-browse" />
        </Field>
      </section>

      <section>
        <h3>Inference</h3>
        <Field
          id="provider"
          label="Default execution provider"
          hint={inference ? `auto tries ${inference.platformOrder.join(', ')} on this machine, in that order` : undefined}
          onSave={async () => {
            const r = await client.call('settings.setInference', { provider: provider as 'auto' });
            setInference(r);
            return `saved: ${r.provider}`;
          }}
        >
          <select value={provider} onChange={(e) => setProvider(e.target.value)} aria-label="Default execution provider">
            {['auto', ...(inference?.providers.map((p) => p.provider) ?? [])].map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </Field>
        <table className="grid" data-testid="provider-availability">
          <tbody>
            {inference?.providers.map((p) => (
              <tr key={p.provider}>
                <td>{p.provider}</td>
                <td className={p.available ? 'ok' : 'muted'}>{p.available ? 'available' : `not here: ${p.reason ?? ''}`}</td>
                <td className="muted" title="Where ONNX Runtime's profiler saw a one-tree ensemble's nodes run on this provider">
                  {p.trees ? `trees ran on ${p.trees}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section>
        <h3>Leaderboard</h3>
        <Field
          id="formula"
          label="Score formula"
          hint={`names: ${SCORE_NAMES.join(', ')}; functions min, max, abs; default ${defaultFormula}`}
          onSave={async () => `saved: ${(await client.call('settings.setLeaderboard', { formula })).formula}`}
        >
          <input className="formula" value={formula} onChange={(e) => setFormula(e.target.value)} aria-label="Score formula" />
        </Field>
      </section>

      <section>
        <h3>Data retention</h3>
        <Field
          id="retention"
          label="Keep 1-minute bars for (days)"
          hint="older minutes are aggregated to 5-minute bars when retention runs"
          onSave={async () => {
            const days = Number(minuteDays);
            if (!/^\d+$/.test(minuteDays.trim())) throw new Error(`expected a whole number of days, got "${minuteDays}"`);
            return `saved: ${(await client.call('settings.setRetention', { minuteDays: days })).minuteDays} days`;
          }}
        >
          <input className="narrow" value={minuteDays} onChange={(e) => setMinuteDays(e.target.value)} aria-label="Minute retention days" />
        </Field>
      </section>

      <InstrumentMargins />

      <section>
        <h3>Paper trading alerts</h3>
        <Field
          id="webhook"
          label="Also POST alerts to (webhook URL)"
          hint="killswitch trips, stopped sessions and model warnings, as JSON; leave empty for none"
          onSave={async () => {
            const r = await client.call('settings.setPaper', { webhook: webhook.trim() === '' ? null : webhook.trim() });
            return r.webhook ? `saved: alerts go to ${r.webhook}` : 'saved: no webhook';
          }}
        >
          <input className="formula" value={webhook} onChange={(e) => setWebhook(e.target.value)} placeholder="https://hooks.example.com/…" aria-label="Alert webhook URL" />
        </Field>
      </section>

      <section>
        <h3>Account risk limits and killswitch trips</h3>
        <Field
          id="limits"
          label="Applied to every paper session and replay, with the portfolio's own (the stricter of the two wins)"
          hint="leave a field empty for no account-wide limit; the drawdown is in percent (20 = 20 %)"
          onSave={async () => {
            const out: Record<string, number> = {};
            for (const l of LIMIT_FIELDS) {
              const v = (limits[l.key] ?? '').trim();
              if (v === '') continue;
              if ('percent' in l) {
                out[l.key] = parsePercent(v, l.label);
                continue;
              }
              if (!Number.isFinite(Number(v))) throw new Error(`${l.label}: expected a number, got "${v}"`);
              out[l.key] = Number(v);
            }
            const r = await client.call('settings.setPaper', { limits: out });
            const set = Object.keys(r.limits).length;
            return set ? `saved: ${set} limit(s)` : 'saved: no account limits';
          }}
        >
          <div className="limit-grid">
            {LIMIT_FIELDS.map((l) => (
              <label key={l.key}>
                <span>{l.label}</span>
                <input className="narrow" value={limits[l.key] ?? ''} onChange={(e) => setLimits((x) => ({ ...x, [l.key]: e.target.value }))} aria-label={l.label} />
              </label>
            ))}
          </div>
        </Field>
      </section>

      <section>
        <h3>Git export</h3>
        <Field
          id="export-target"
          label="Repository, bundle folder and remote"
          hint="where File → Export Config to Git… commits by default, and the remote it pushes to"
          onSave={async () => {
            const r = await client.call('settings.setExport', { repo: exportRepo.trim() === '' ? null : exportRepo.trim(), dir: exportDir, remote });
            return `saved: ${r.repo ?? 'no default repository'}, folder ${r.dir}/, remote ${r.remote}`;
          }}
        >
          <input value={exportRepo} onChange={(e) => setExportRepo(e.target.value)} placeholder="/path/to/live-config" aria-label="Export repository" />
          <BrowseFolderButton title="Default repository for config exports" value={exportRepo} onChange={setExportRepo} testId="export-repo-default-browse" />
          <input className="narrow" value={exportDir} onChange={(e) => setExportDir(e.target.value)} aria-label="Bundle folder" />
          <input className="narrow" value={remote} onChange={(e) => setRemote(e.target.value)} aria-label="Remote" />
        </Field>
        <Field
          id="export-author"
          label="Commit author"
          hint="leave both empty to commit as git's own user.name and user.email"
          onSave={async () => {
            const none = authorName.trim() === '' && authorEmail.trim() === '';
            const r = await client.call('settings.setExport', { author: none ? null : { name: authorName, email: authorEmail } });
            return r.author ? `saved: ${r.author.name} <${r.author.email}>` : "saved: git's own identity";
          }}
        >
          <input value={authorName} onChange={(e) => setAuthorName(e.target.value)} placeholder="name" aria-label="Author name" />
          <input value={authorEmail} onChange={(e) => setAuthorEmail(e.target.value)} placeholder="email" aria-label="Author email" />
        </Field>
        <Field
          id="export-minimums"
          label="Lowest test metrics a model must reach"
          hint="metric and value pairs, e.g. auc 0.52, accuracy 0.5 (auc, accuracy, balancedAccuracy, precision, recall, f1, precisionAtTop10, r2, ic, directionAccuracy)"
          onSave={async () => {
            const r = await client.call('settings.setExport', { minimums: parseMinimums(minimums) });
            setMinimums(showMinimums(r.minimums));
            return `saved: ${showMinimums(r.minimums) || 'no minimums'}`;
          }}
        >
          <input className="formula" value={minimums} onChange={(e) => setMinimums(e.target.value)} aria-label="Metric minimums" />
        </Field>
      </section>

      <section>
        <h3>Vendor API keys</h3>
        {keys.map((k) => (
          <Field
            key={k.vendor}
            id={`key-${k.vendor}`}
            label={k.vendor}
            hint={
              k.source === 'environment'
                ? `set by ${k.env} in the environment, which overrides a stored key`
                : `${k.source === 'stored' ? (k.encrypted ? 'stored encrypted with the system keychain' : 'stored UNENCRYPTED in the home') : 'no key yet'}; an empty field removes a stored key` +
                  (k.canStore ? '' : `. This host has no secure key store (OS keychain): set ${k.env} in its environment, or tick the box to store the key unencrypted.`)
            }
            onSave={async () => {
              const value = (typed[k.vendor] ?? '').trim();
              const next = await client.call('settings.setVendorKey', { vendor: k.vendor, key: value === '' ? null : value, ...(plainOk[k.vendor] ? { unencrypted: true } : {}) });
              setKeys(next);
              setTyped((t) => ({ ...t, [k.vendor]: '' }));
              return value === '' ? 'removed' : next.find((x) => x.vendor === k.vendor)?.encrypted ? 'saved (encrypted)' : 'saved (unencrypted)';
            }}
          >
            <input type="password" autoComplete="off" placeholder={k.source === 'missing' ? 'API key' : '•••••••• (kept)'} value={typed[k.vendor] ?? ''} onChange={(e) => setTyped((t) => ({ ...t, [k.vendor]: e.target.value }))} aria-label={`${k.vendor} API key`} />
            {!k.canStore && (
              <label className="consent">
                <input type="checkbox" checked={plainOk[k.vendor] === true} onChange={(e) => setPlainOk((c) => ({ ...c, [k.vendor]: e.target.checked }))} aria-label={`Store the ${k.vendor} key unencrypted`} /> store unencrypted
              </label>
            )}
          </Field>
        ))}
      </section>
    </div>
  );
}
