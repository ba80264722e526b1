import { call, parse, UsageError, validate, withServices, type CliContext } from './cli-support';

/** Each command configCommand answers, with its help as `quantdesk --help` lists it. */
export const CONFIG_HELP: Readonly<Record<string, string>> = {
  'export-config': `  export-config --repo PATH [--dir quantdesk] [--message TEXT] [--include-models] [--tag NAME] [--push]
         [--portfolio ID|FILE] [--force] [--override REASON]
                              validate the production models and the portfolio, write the config bundle
                              (strategies, portfolio.yml, feature sets, model manifest and cards, ONNX
                              files with --include-models) into the repository's folder and commit it
                              with the author from Settings; nothing changed: no commit. --force exports
                              over uncommitted changes in the folder; --override exports although
                              validation failed and records why in the commit message`,
  'import-config': `  import-config --repo PATH [--rev REV] [--dir quantdesk]
                              restore a bundle (configs, portfolio, models) from the repository at REV`,
};

/** `quantdesk` exporting the desk configuration to git and importing it back; returns the exit code. */
export async function configCommand(command: string, opts: string[], ctx: CliContext): Promise<number> {
  const { json, io, open } = ctx;
  switch (command) {
    case 'export-config': {
      const p = parse(opts, { repo: { type: 'string' }, dir: { type: 'string' }, message: { type: 'string' }, 'include-models': { type: 'boolean' }, tag: { type: 'string' }, push: { type: 'boolean' }, portfolio: { type: 'string' }, force: { type: 'boolean' }, override: { type: 'string' } });
      if (p.positionals.length) throw new UsageError(`export-config: unexpected argument ${p.positionals[0]}`);
      const v = p.values as { repo?: string; dir?: string; message?: string; 'include-models'?: boolean; tag?: string; push?: boolean; portfolio?: string; force?: boolean; override?: string };
      return withServices(open(false), async (s) => {
        const repo = v.repo ?? (await call(s, 'settings.export', {})).repo;
        if (!repo) throw new UsageError('--repo: required (the git repository to export into), unless Settings name one');
        const arg = { repo, ...(v.dir !== undefined ? { dir: v.dir } : {}), portfolio: v.portfolio ?? null, includeModels: v['include-models'] === true, ...(v.message !== undefined ? { message: v.message } : {}), ...(v.tag !== undefined ? { tag: v.tag } : {}), push: v.push === true, force: v.force === true, ...(v.override !== undefined ? { override: v.override } : {}) };
        validate('config.export', arg, { includeModels: 'include-models' });
        const r = await call(s, 'config.export', arg);
        io.out(
          json
            ? JSON.stringify(r)
            : [
                r.changed ? `committed ${r.commit} (${r.files.length} files)${r.tag ? `, tagged ${r.tag}` : ''}${r.pushed ? ', pushed' : ''}` : `${r.message}${r.pushed ? '; pushed' : ''}`,
                ...r.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.subject} ${c.check}: ${c.detail}`),
              ].join('\n'),
        );
        return 0;
      });
    }
    case 'import-config': {
      const p = parse(opts, { repo: { type: 'string' }, rev: { type: 'string' }, dir: { type: 'string' } });
      if (p.positionals.length) throw new UsageError(`import-config: unexpected argument ${p.positionals[0]}`);
      const v = p.values as { repo?: string; rev?: string; dir?: string };
      if (!v.repo) throw new UsageError('--repo: required (the git repository holding the bundle)');
      const arg = { repo: v.repo, ...(v.rev !== undefined ? { rev: v.rev } : {}), ...(v.dir !== undefined ? { dir: v.dir } : {}) };
      validate('config.import', arg);
      return withServices(open(false), async (s) => {
        const r = await call(s, 'config.import', arg);
        io.out(
          json
            ? JSON.stringify(r)
            : [
                `imported ${r.commit.slice(0, 12)}: ${r.strategies.length} strategy config(s), ${r.featureSets.length} feature set(s), portfolio ${r.portfolio ?? 'none'}`,
                `models: ${r.models.length} registered${r.modelsPresent.length ? `, ${r.modelsPresent.length} already here` : ''}`,
                ...r.missing.map((m) => `missing ${m}`),
              ].join('\n'),
        );
        return 0;
      });
    }
  }
  throw new UsageError(`unknown command ${command}; run quantdesk --help`);
}
