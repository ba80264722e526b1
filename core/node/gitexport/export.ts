import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { parse as parseYaml } from 'yaml';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import type { ExportCheck, ExportFileChange, ExportPreview, ExportResult, ExportSettings } from '../../common/gitexport/types';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { buildBundle, checkBundleDir, type Bundle } from './bundle';
import { Repo } from './git';
import { isText, scanSecrets } from './secrets';
import { validateBundle } from './validate';

/** What an export reads: the home, its settings and the stored API keys (to keep them out). */
export interface ExportContext {
  home: HomeLayout;
  catalog: Catalog;
  con: DuckDBConnection;
  resources: string;
  version: string;
  settings: ExportSettings;
  /** The stored vendor API keys, which must never enter a bundle. */
  secrets: string[];
}

/** One export, as the dialog or the CLI asks for it. */
export interface ExportRequest {
  repo: string;
  dir: string;
  /** A stored portfolio id or a portfolio file; null: the settings' choice, else the newest. */
  portfolio: string | null;
  includeModels: boolean;
  message?: string;
  tag?: string;
  push: boolean;
  /** Export although the bundle folder has uncommitted changes. */
  force: boolean;
  /** Why the export goes ahead although validation failed (recorded in the commit message). */
  override?: string;
}

/** A prepared export: the bundle, its checks and how it differs from the folder now. */
interface Prepared extends ExportPreview {
  bundle: Bundle;
  repoHandle: Repo | null;
}

const META = 'quantdesk.yml';

/** Files under `root/dir` on disk, by path relative to `dir`. */
function filesOnDisk(root: string, dir: string): Map<string, Buffer> {
  const base = path.join(root, dir);
  const out = new Map<string, Buffer>();
  const walk = (rel: string): void => {
    const abs = path.join(base, rel);
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.set(r, fs.readFileSync(path.join(base, r)));
    }
  };
  if (fs.existsSync(base)) walk('');
  return out;
}

/** quantdesk.yml without its creation time, to tell a changed bundle from a re-export. */
function metaSansTime(b: Buffer | undefined): string {
  if (!b) return '';
  const { created: _created, ...rest } = (parseYaml(b.toString('utf8')) ?? {}) as Record<string, unknown>;
  return JSON.stringify(rest);
}

/** Builds, validates and compares the bundle with the folder; writes nothing. */
async function prepare(ctx: ExportContext, req: ExportRequest): Promise<Prepared> {
  const dir = checkBundleDir(req.dir);
  const root = path.resolve(req.repo);
  const repo = await Repo.find(root);
  const bundle = buildBundle(ctx, { portfolio: req.portfolio ?? ctx.settings.portfolio, includeModels: req.includeModels, created: new Date().toISOString() });
  const checks = await validateBundle(ctx, bundle, ctx.settings.minimums);
  for (const s of scanSecrets(bundle.files, ctx.secrets)) checks.push({ check: 'secrets', subject: `${dir}/${s.file}${s.line ? `:${s.line}` : ''}`, ok: false, detail: `holds ${s.what}; secrets never enter a bundle: remove it from the config` });

  const before = filesOnDisk(root, dir);
  const files: ExportFileChange[] = [];
  const patches: string[] = [];
  let changed = false;
  for (const [p, now] of [...bundle.files].sort(([a], [b]) => a.localeCompare(b))) {
    const was = before.get(p);
    const same = p === META ? was !== undefined && metaSansTime(was) === metaSansTime(now) : was?.equals(now) === true;
    if (p === META && same) bundle.files.set(p, was!);
    if (!same) changed = true;
    files.push({ path: `${dir}/${p}`, status: was === undefined ? 'added' : same ? 'unchanged' : 'modified', bytes: (same ? was! : now).length });
    if (!same) patches.push(patch(`${dir}/${p}`, was, now));
  }
  for (const [p, was] of [...before].sort(([a], [b]) => a.localeCompare(b))) {
    if (bundle.files.has(p)) continue;
    changed = true;
    files.push({ path: `${dir}/${p}`, status: 'deleted', bytes: was.length });
    patches.push(patch(`${dir}/${p}`, was, undefined));
  }
  return {
    repo: root,
    dir,
    willInit: repo === null,
    portfolio: bundle.portfolio?.id ?? null,
    files,
    diff: patches.join(''),
    changed,
    checks,
    dirty: repo ? await repo.dirty(dir) : [],
    bundle,
    repoHandle: repo,
  };
}

/** A unified diff of one file (binary files named only). */
function patch(p: string, was: Buffer | undefined, now: Buffer | undefined): string {
  if ((was && !isText(was)) || (now && !isText(now))) return `Binary file ${p} ${was ? (now ? 'changed' : 'deleted') : 'added'} (${(now ?? was)!.length} bytes)\n`;
  return createTwoFilesPatch(was ? `a/${p}` : '/dev/null', now ? `b/${p}` : '/dev/null', was?.toString('utf8') ?? '', now?.toString('utf8') ?? '', undefined, undefined, { context: 3 }).replace(/^=+\n/, '');
}

/** What an export would write and whether it may: the files, the diff, validation and what blocks it. */
export async function previewExport(ctx: ExportContext, req: ExportRequest): Promise<ExportPreview> {
  const { bundle: _b, repoHandle: _r, ...preview } = await prepare(ctx, req);
  return preview;
}

/** The failed checks as lines. */
const failures = (checks: ExportCheck[]): string[] => checks.filter((c) => !c.ok).map((c) => `${c.subject} ${c.check}: ${c.detail}`);

/**
 * Exports the home's config bundle into the repository: validated (failures block unless overridden
 * with a reason, which the commit message records; secrets block always), written over the bundle
 * folder, committed with the author from settings, optionally tagged and pushed. Nothing changed
 * since the last export: no commit.
 */
export async function runExport(ctx: ExportContext, req: ExportRequest): Promise<ExportResult> {
  const tag = req.tag?.trim() || null;
  const p = await prepare(ctx, req);
  const secrets = p.checks.filter((c) => c.check === 'secrets');
  if (secrets.length) throw new ApiError('invalid_argument', `refused: ${secrets.map((c) => `${c.subject} ${c.detail.split(';')[0]}`).join('; ')}. Secrets never enter a bundle: remove them from the config`, 'repo');
  const failed = failures(p.checks);
  const override = req.override?.trim() || null;
  if (failed.length && !override) throw new ApiError('invalid_argument', `validation failed, so nothing was exported:\n- ${failed.join('\n- ')}\nFix these, or export with an override and the reason for it`, 'override');
  if (p.dirty.length && !req.force) throw new ApiError('conflict', `the bundle folder ${p.dir}/ in ${p.repo} has uncommitted changes (${p.dirty.slice(0, 5).join(', ')}${p.dirty.length > 5 ? ', …' : ''}): commit or discard them, or force the export`, 'repo');

  const repo = p.repoHandle ?? (await Repo.open(p.repo, true));
  const identity = await repo.identity(ctx.settings.author);
  const remote = ctx.settings.remote;
  if (tag) {
    await repo.git(['check-ref-format', `refs/tags/${tag}`]).catch(() => {
      throw new ApiError('invalid_argument', `"${tag}" is not a valid tag name (no spaces, no .., no ~^:?*[)`, 'tag');
    });
    if (await repo.succeeds(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`])) throw new ApiError('conflict', `tag ${tag} already exists in ${p.repo}; choose another`, 'tag');
  }
  if (req.push) await repo.git(['remote', 'get-url', remote]).catch(() => {
    throw new ApiError('invalid_argument', `${p.repo} has no remote "${remote}" to push to: add it (git remote add ${remote} URL) or set the remote in Settings`, 'push');
  });
  const files = [...p.bundle.files.keys()].sort().map((f) => `${p.dir}/${f}`);

  // Uncommitted files in the folder equal to the bundle still need their commit; the staged diff decides below.
  if (!p.changed && p.dirty.length === 0) {
    const head = await repo.head();
    const pushed = req.push && head !== null ? (await repo.git(['push', '--quiet', remote, 'HEAD']), true) : false;
    return { commit: head, files, pushed, changed: false, tag: null, message: `nothing changed since ${head ? head.slice(0, 12) : 'the last export'}: no commit made`, checks: p.checks };
  }

  const base = path.join(p.repo, p.dir);
  for (const f of p.files) if (f.status === 'deleted') fs.rmSync(path.join(p.repo, f.path));
  for (const [rel, bytes] of p.bundle.files) {
    const abs = path.join(base, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, bytes);
  }
  const counts = (s: ExportFileChange['status']): number => p.files.filter((f) => f.status === s).length;
  const subject = req.message?.trim() || `Quantdesk config: ${p.portfolio ? `portfolio ${p.portfolio}` : 'no portfolio'}, ${p.bundle.models.length} model(s)`;
  const body = [`${counts('added')} added, ${counts('modified')} modified, ${counts('deleted')} deleted in ${p.dir}/.`, ...(override ? ['', `Validation overridden: ${override}`, 'Failed checks:', ...failed.map((f) => `- ${f}`)] : [])];
  const message = `${subject}\n\n${body.join('\n')}\n`;
  await repo.git(['add', '--all', '--', p.dir]);
  // Forced over uncommitted edits, the bundle can be exactly what HEAD holds: the edits are undone, nothing is committed.
  const head = await repo.head();
  if (head !== null && (await repo.succeeds(['diff', '--cached', '--quiet', 'HEAD', '--', p.dir]))) {
    return { commit: head, files, pushed: false, changed: false, tag: null, message: `the bundle folder was put back to the bundle, which matches ${head.slice(0, 12)}: no commit made`, checks: p.checks };
  }
  await repo.git(['commit', '--quiet', `--message=${message}`, '--', p.dir], identity);
  const commit = (await repo.head())!;
  if (tag) await repo.git(['tag', '--annotate', tag, `--message=${subject}`], identity);
  let pushed = false;
  if (req.push) {
    try {
      await repo.git(['push', '--quiet', remote, 'HEAD', ...(tag ? [`refs/tags/${tag}`] : [])]);
      pushed = true;
    } catch (e) {
      throw new ApiError('conflict', `committed ${commit.slice(0, 12)}, but the push to ${remote} failed: ${(e as Error).message}. Push it yourself (git push ${remote}) once the remote accepts it`, 'push');
    }
  }
  return { commit, files, pushed, changed: true, tag, message, checks: p.checks };
}
