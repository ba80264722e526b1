import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, paths, runJob, tempDir } from './helpers';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Setup', GIT_AUTHOR_EMAIL: 'setup@example.com', GIT_COMMITTER_NAME: 'Setup', GIT_COMMITTER_EMAIL: 'setup@example.com' } }).trim();

/** Every file under a folder, by relative path. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.set(r, fs.readFileSync(path.join(dir, r)));
    }
  };
  walk('');
  return out;
}

const params = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };

describe('config export to git and import back', () => {
  const base = tempDir('qd-git-export-');
  const home = path.join(base, 'home');
  let s: Services;
  const portfolioFile = path.join(base, 'desk.json');

  beforeAll(async () => {
    s = await openServices(home);
    fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
    fs.writeFileSync(path.join(home, 'feature-sets', 'm.yml'), 'name: m\ntimeframe: 15m\nsymbols: [ES]\nfeatures: "ibs, rsi(14), roc(4)"\nlabels: [b1]\n');
    fs.mkdirSync(path.join(home, 'strategies'), { recursive: true });
    fs.writeFileSync(path.join(home, 'strategies', 'ibs-fast.yml'), 'name: ibs-fast\nstrategy: ibs\nparams:\n  entry_below: 0.2\n  exit_above: 0.8\n');
    await backfill(s, ['ES', 'NQ'], '2024-01-02', '2024-03-29');
    await runJob(s, { kind: 'features', set: 'm' });
    await runJob(s, { kind: 'train', config: { name: 'es-dir', featureSet: 'm', label: 'label_b1', model: { kind: 'gbdt', nTrees: 30, maxDepth: 3, learningRate: 0.1 }, split: { validation: 0.2, test: 0.2, embargo: 1 }, seed: 5 } });
    await call(s, 'models.promote', { model: 'es-dir@1' });
    fs.writeFileSync(
      portfolioFile,
      JSON.stringify({
        instruments: [
          { name: 'ES', symbol: 'ES', run: 'by hand', strategy: 'ibs+ml', params, timeframe: '15m', model: 'es-dir@1', threshold: 0.5 },
          { name: 'NQ', symbol: 'NQ', run: 'by hand', strategy: 'ibs', params, timeframe: '15m', model: null, threshold: null, ruleOnly: true },
        ],
        maxPositions: 2,
        sizing: { kind: 'fixed', contracts: 1 },
        riskLimits: { maxDrawdown: 0.2, dailyLoss: 5000, maxPosition: 3, maxOrdersPerSecond: 5 },
        objective: 'sharpe',
        split: '2024-03-01',
        terms: { capital: 250_000, fillAt: 'next_open', commission: 2.5, commissionBps: 0, minCommission: 0, slippageTicks: 1, slippageBps: 0, slippageRange: 0, participation: 0 },
      }),
    );
    await call(s, 'settings.setExport', { author: { name: 'Quinn Trader', email: 'quinn@example.com' }, minimums: { auc: 0.3 }, portfolio: portfolioFile });
  }, 240_000);
  afterAll(async () => {
    await s?.close();
  });

  it('exports into a new repository: a validated bundle committed by the author from settings; again with nothing changed, no commit', async () => {
    const repo = path.join(base, 'new-repo');
    const preview = await call(s, 'config.preview', { repo });
    expect(preview.willInit).toBe(true);
    expect(preview.checks.filter((c) => !c.ok)).toEqual([]);
    expect(preview.checks.map((c) => `${c.subject} ${c.check}`)).toEqual(expect.arrayContaining(['es-dir@1 loads', 'es-dir@1 features', 'es-dir@1 metrics', 'es-dir@1 distribution', 'ES stage', 'NQ portfolio']));
    expect(preview.diff).toMatch(/\+\+\+ b\/quantdesk\/portfolio\.yml/);
    expect(fs.existsSync(repo)).toBe(false);

    const r = await call(s, 'config.export', { repo, message: 'First desk config' });
    expect(r).toMatchObject({ changed: true, pushed: false, commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(r.files).toEqual(['quantdesk/README.md', 'quantdesk/features/m.yml', 'quantdesk/models/es-dir/1/card.json', 'quantdesk/models/manifest.json', 'quantdesk/portfolio.yml', 'quantdesk/quantdesk.yml', 'quantdesk/strategies/ibs-fast.yml']);
    expect(git(repo, 'log', '-1', '--format=%H|%an <%ae>|%s')).toBe(`${r.commit}|Quinn Trader <quinn@example.com>|First desk config`);

    const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'quantdesk/models/manifest.json'), 'utf8')) as { models: { id: string; version: number; stage: string; threshold: number; features: string[]; sha256: string; specHash: string; artifact: string | null }[] };
    const model = await call(s, 'models.get', { model: 'es-dir@1' });
    expect(manifest.models).toEqual([expect.objectContaining({ id: 'es-dir', version: 1, stage: 'production', threshold: 0.5, features: model.features, sha256: model.sha256, specHash: model.specHash, artifact: null })]);
    const portfolio = parseYaml(fs.readFileSync(path.join(repo, 'quantdesk/portfolio.yml'), 'utf8')) as Record<string, unknown>;
    expect(portfolio).toMatchObject({ id: 'desk', max_positions: 2, risk_limits: { max_position: 3, max_orders_per_second: 5 }, killswitch: { daily_loss: 5000, max_drawdown: 0.2 } });
    // The terms the portfolio trades on travel with it, for the live server to charge the same costs.
    expect(portfolio.terms).toEqual({
      capital: 250_000,
      commission: 2.5,
      commission_bps: 0,
      contracts: { ES: { currency: 'USD', maintenance_margin: 14_500, multiplier: 50, tick_size: 0.25 }, NQ: { currency: 'USD', maintenance_margin: 21_000, multiplier: 20, tick_size: 0.25 } },
      fill_at: 'next_open',
      min_commission: 0,
      participation: 0,
      slippage_bps: 0,
      slippage_range: 0,
      slippage_ticks: 1,
    });
    expect((portfolio.instruments as { rule_only?: boolean }[])[1]!.rule_only).toBe(true);
    expect(fs.readFileSync(path.join(repo, 'quantdesk/features/m.yml'), 'utf8')).toBe(fs.readFileSync(path.join(home, 'feature-sets', 'm.yml'), 'utf8'));
    expect(fs.readFileSync(path.join(repo, 'quantdesk/README.md'), 'utf8')).toMatch(/\| es-dir@1 \| production \|/);

    const again = await call(s, 'config.export', { repo });
    expect(again).toMatchObject({ changed: false, commit: r.commit, message: expect.stringMatching(/nothing changed/) });
    expect(git(repo, 'rev-list', '--count', 'HEAD')).toBe('1');
  }, 60_000);

  it('exports into an existing repository’s subfolder with the models and a tag, pushes to a bare repository, and a clone holds the same bundle', async () => {
    const repo = path.join(base, 'existing');
    fs.mkdirSync(repo);
    git(repo, 'init', '--quiet');
    fs.writeFileSync(path.join(repo, 'server.py'), 'print("live server")\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'live server');
    const bare = path.join(base, 'remote.git');
    git(base, 'init', '--quiet', '--bare', bare);
    git(repo, 'remote', 'add', 'origin', bare);

    const r = await call(s, 'config.export', { repo, dir: 'config/trading', includeModels: true, tag: 'desk-v1', push: true });
    expect(r).toMatchObject({ changed: true, pushed: true, tag: 'desk-v1' });
    expect(r.files).toContain('config/trading/models/es-dir/1/model.onnx');
    expect(git(repo, 'rev-list', '--count', 'HEAD')).toBe('2');
    expect(git(bare, 'rev-parse', 'refs/tags/desk-v1^{commit}')).toBe(r.commit);
    const model = await call(s, 'models.get', { model: 'es-dir@1' });
    expect(fs.readFileSync(path.join(repo, 'config/trading/models/es-dir/1/model.onnx')).equals(fs.readFileSync(path.join(home, 'models', 'es-dir', '1', 'model.onnx')))).toBe(true);
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);

    const clone = path.join(base, 'clone');
    git(base, 'clone', '--quiet', bare, clone);
    expect(tree(path.join(clone, 'config/trading'))).toEqual(tree(path.join(repo, 'config/trading')));
    expect(fs.existsSync(path.join(clone, 'server.py'))).toBe(true);

    await expect(call(s, 'config.export', { repo, dir: 'config/trading', tag: 'bad tag' })).rejects.toThrow(/not a valid tag name/);
    await expect(call(s, 'config.export', { repo, dir: '../outside' })).rejects.toThrow(/relative path inside the repository/);
  }, 60_000);

  it('round trip: import into a fresh home and export again gives the identical bundle', async () => {
    const source = path.join(base, 'existing');
    const other = path.join(base, 'home-b');
    const b = await openServices(other);
    try {
      const imported = await call(b, 'config.import', { repo: source, rev: 'desk-v1', dir: 'config/trading' });
      expect(imported).toMatchObject({ strategies: ['ibs-fast'], featureSets: ['m'], portfolio: 'desk', models: ['es-dir@1'], missing: [] });
      expect((await call(b, 'models.get', { model: 'es-dir@1' })).stage).toBe('production');
      // The new home has no lake, so its models cannot predict on recent data: the export says so, and goes ahead only when overridden.
      const repo2 = path.join(base, 'round-trip');
      await call(b, 'settings.setExport', { author: { name: 'Quinn Trader', email: 'quinn@example.com' }, minimums: { auc: 0.3 } });
      await expect(call(b, 'config.export', { repo: repo2, includeModels: true })).rejects.toThrow(/es-dir@1 loads: no stored build/);
      await call(b, 'config.export', { repo: repo2, includeModels: true, override: 'round trip into a home without a lake' });
      const first = tree(path.join(source, 'config/trading'));
      const second = tree(path.join(repo2, 'quantdesk'));
      expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
      for (const [f, bytes] of first) if (f !== 'quantdesk.yml') expect(second.get(f)!.toString('utf8'), f).toBe(bytes.toString('utf8'));
      const meta = (x: Map<string, Buffer>): Record<string, unknown> => parseYaml(x.get('quantdesk.yml')!.toString('utf8')) as Record<string, unknown>;
      expect({ ...meta(second), created: 0, source_home: 0 }).toEqual({ ...meta(first), created: 0, source_home: 0 });
      expect(git(repo2, 'log', '-1', '--format=%B')).toMatch(/Validation overridden: round trip into a home without a lake/);
      await expect(call(b, 'config.import', { repo: source, rev: 'no-such-tag', dir: 'config/trading' })).rejects.toThrow(/no-such-tag is not a commit, branch or tag/);
      await expect(call(b, 'config.import', { repo: source, dir: 'nothing-here' })).rejects.toThrow(/holds no config bundle at nothing-here\//);
    } finally {
      await b.close();
    }
  }, 60_000);

  it('refuses a planted secret, naming the file and line, and a stored API key anywhere', async () => {
    const repo = path.join(base, 'new-repo');
    const leaky = path.join(home, 'strategies', 'leaky.yml');
    fs.writeFileSync(leaky, 'name: leaky\nstrategy: ibs\n# broker login\napi_key: "sk4f9Q2x7LmN8pR3tV6w"\n');
    try {
      await expect(call(s, 'config.export', { repo })).rejects.toThrow(/quantdesk\/strategies\/leaky\.yml:4 holds a key or password/);
      const preview = await call(s, 'config.preview', { repo });
      expect(preview.checks).toContainEqual(expect.objectContaining({ check: 'secrets', subject: 'quantdesk/strategies/leaky.yml:4', ok: false }));
      // An override does not let a secret through.
      await expect(call(s, 'config.export', { repo, override: 'I know' })).rejects.toThrow(/Secrets never enter a bundle/);
    } finally {
      fs.rmSync(leaky);
    }
    await call(s, 'settings.setVendorKey', { vendor: 'polygon', key: 'PolyKey0123456789abc', unencrypted: true });
    const set = path.join(home, 'feature-sets', 'n.yml');
    fs.writeFileSync(set, 'name: n\ndescription: PolyKey0123456789abc\ntimeframe: 1h\nsymbols: [ES]\nfeatures: "ibs"\n');
    try {
      await expect(call(s, 'config.export', { repo })).rejects.toThrow(/quantdesk\/features\/n\.yml:2 holds a stored API key/);
    } finally {
      fs.rmSync(set);
      await call(s, 'settings.setVendorKey', { vendor: 'polygon', key: null });
    }
    expect(git(repo, 'rev-list', '--count', 'HEAD')).toBe('1');
  }, 60_000);

  it('refuses a bundle folder with uncommitted changes unless forced', async () => {
    const repo = path.join(base, 'new-repo');
    fs.appendFileSync(path.join(repo, 'quantdesk', 'README.md'), '\nhand edit\n');
    fs.writeFileSync(path.join(repo, 'quantdesk', 'notes.txt'), 'scratch\n');
    await expect(call(s, 'config.export', { repo })).rejects.toThrow(/quantdesk\/ in .* has uncommitted changes \(quantdesk\/README\.md, quantdesk\/notes\.txt\)/);
    expect((await call(s, 'config.preview', { repo })).dirty).toEqual(['quantdesk/README.md', 'quantdesk/notes.txt']);
    const forced = await call(s, 'config.export', { repo, force: true });
    expect(forced).toMatchObject({ changed: false, message: expect.stringMatching(/put back to the bundle, which matches/) });
    // The folder is the bundle's: the stray file is gone and the edit is undone.
    expect(fs.existsSync(path.join(repo, 'quantdesk', 'notes.txt'))).toBe(false);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  }, 60_000);

  it('a failing validation blocks the export; an override goes ahead and the commit message records it', async () => {
    const repo = path.join(base, 'new-repo');
    await call(s, 'settings.setExport', { minimums: { auc: 0.99 } });
    fs.writeFileSync(path.join(home, 'strategies', 'ibs-slow.yml'), 'name: ibs-slow\nstrategy: ibs\nparams:\n  max_bars: 20\n');
    try {
      const head = git(repo, 'rev-parse', 'HEAD');
      await expect(call(s, 'config.export', { repo })).rejects.toThrow(/validation failed, so nothing was exported:\n- es-dir@1 metrics: test auc 0\.\d+ is below the minimum 0\.99/);
      expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
      const r = await call(s, 'config.export', { repo, override: 'accepted by the desk head for the trial week' });
      expect(r.changed).toBe(true);
      const body = git(repo, 'log', '-1', '--format=%B');
      expect(body).toMatch(/Validation overridden: accepted by the desk head for the trial week/);
      expect(body).toMatch(/- es-dir@1 metrics: test auc 0\.\d+ is below the minimum 0\.99/);
      expect(git(repo, 'show', '--stat', '--format=', 'HEAD')).toMatch(/quantdesk\/strategies\/ibs-slow\.yml/);
    } finally {
      await call(s, 'settings.setExport', { minimums: { auc: 0.3 } });
    }
  }, 60_000);

  it('commits through the system git, so the repository’s hooks run and can refuse the commit', async () => {
    const repo = path.join(base, 'hooked');
    fs.mkdirSync(repo);
    git(repo, 'init', '--quiet');
    const hook = path.join(repo, '.git', 'hooks', 'pre-commit');
    fs.writeFileSync(hook, '#!/bin/sh\necho "blocked by the desk policy hook" >&2\nexit 1\n');
    fs.chmodSync(hook, 0o755);
    await expect(call(s, 'config.export', { repo })).rejects.toThrow(/blocked by the desk policy hook/);
    expect(spawnSync('git', ['-C', repo, 'rev-parse', '--verify', 'HEAD']).status).not.toBe(0);
    fs.rmSync(hook);
    // The written bundle is now uncommitted in the folder: forced, it is committed as it is.
    const r = await call(s, 'config.export', { repo, force: true });
    expect(r.changed).toBe(true);
    expect(git(repo, 'rev-list', '--count', 'HEAD')).toBe('1');
  }, 60_000);

  it('runs hooks without the vendor keys in their environment; a hook that prints a key is shown without it', async () => {
    const key = 'pg-hook-secret-0123456789';
    process.env.POLYGON_API_KEY = key;
    try {
      const repo = path.join(base, 'leaky');
      fs.mkdirSync(repo);
      git(repo, 'init', '--quiet');
      const envDump = path.join(base, 'hook-env.txt');
      const hook = path.join(repo, '.git', 'hooks', 'pre-commit');
      // The hook knows the key by other means (a file of the user's, say) and prints it as it fails.
      fs.writeFileSync(hook, `#!/bin/sh\nenv > '${envDump}'\necho "refused; the key is ${key}" >&2\nexit 1\n`);
      fs.chmodSync(hook, 0o755);
      const err = (await call(s, 'config.export', { repo }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/refused; the key is \*\*\*/);
      expect(err.message).not.toContain(key);
      const env = fs.readFileSync(envDump, 'utf8');
      expect(env).toMatch(/^PATH=/m);
      expect(env).not.toContain(key);
      expect(env).not.toMatch(/POLYGON_API_KEY|DATABENTO_API_KEY/);
    } finally {
      delete process.env.POLYGON_API_KEY;
    }
  }, 60_000);

  it('exports and imports from the command line', async () => {
    await s.close();
    const bin = path.join(paths.root, 'bin', 'quantdesk.mjs');
    const qd = (...args: string[]) => spawnSync(process.execPath, [bin, '--home', home, ...args], { encoding: 'utf8', env: { ...process.env, QUANTDESK_HOME: '' }, timeout: 120_000 });
    const repo = path.join(base, 'cli-repo');
    const out = qd('export-config', '--repo', repo, '--message', 'from the CLI', '--include-models', '--json');
    expect(out.status, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout) as { commit: string; files: string[]; pushed: boolean };
    expect(r).toMatchObject({ commit: expect.stringMatching(/^[0-9a-f]{40}$/), pushed: false });
    expect(r.files).toContain('quantdesk/models/es-dir/1/model.onnx');
    const imp = qd('import-config', '--repo', repo, '--json');
    expect(imp.status, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ commit: r.commit, portfolio: 'desk', modelsPresent: ['es-dir@1'] });
    const bad = qd('export-config', '--json');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--repo: required/);
    // Without git on the PATH the export says so, and what to do.
    const noGit = spawnSync(process.execPath, [bin, '--home', home, 'export-config', '--repo', repo], { encoding: 'utf8', env: { ...process.env, QUANTDESK_HOME: '', PATH: path.join(base, 'empty-bin') }, timeout: 120_000 });
    expect(noGit.status).toBe(1);
    expect(noGit.stderr).toMatch(/git is not installed \(no `git` on the PATH\); install git and try again/);
    s = await openServices(home);
  }, 120_000);
});
