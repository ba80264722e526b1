import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../common/errors';
import { envWithoutKeys } from '../vendor-keys';

/** What a git command printed. */
interface GitOutput {
  stdout: Buffer;
  stderr: string;
}

/** The commit author: from Settings, else whatever git's own configuration says. */
export interface GitAuthor {
  name: string;
  email: string;
}

/**
 * A repository driven through the system `git`, so the user's SSH keys, credential helpers, hooks
 * and commit signing apply exactly as on the command line.
 */
export class Repo {
  private constructor(
    /** The repository's top folder. */
    readonly root: string,
  ) {}

  /** The repository whose top folder is `dir`; null when the folder does not exist or is no repository's top. */
  static async find(dir: string): Promise<Repo | null> {
    await gitVersion();
    const abs = path.resolve(dir);
    if (!fs.existsSync(abs)) return null;
    if (!fs.statSync(abs).isDirectory()) throw new ApiError('invalid_argument', `${abs} is a file, not a folder; give the folder of a git repository`, 'repo');
    const top = await run(abs, ['rev-parse', '--show-toplevel']).catch(() => null);
    return top && path.resolve(top.stdout.toString().trim()) === fs.realpathSync(abs) ? new Repo(abs) : null;
  }

  /** The repository at `dir`, initialised there first when `init` is set and it is none (the folder is created too). */
  static async open(dir: string, init: boolean): Promise<Repo> {
    const found = await Repo.find(dir);
    if (found) return found;
    const abs = path.resolve(dir);
    if (!init) throw new ApiError('invalid_argument', fs.existsSync(abs) ? `${abs} is not the top folder of a git repository` : `${abs} does not exist; give the folder of a git repository`, 'repo');
    fs.mkdirSync(abs, { recursive: true });
    await run(abs, ['init', '--quiet']);
    return new Repo(abs);
  }

  /** Runs git in the repository. */
  git(args: readonly string[], env: Record<string, string> = {}): Promise<GitOutput> {
    return run(this.root, args, env);
  }

  /** The commit HEAD points at; null in a repository without commits. */
  async head(): Promise<string | null> {
    const r = await this.git(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => null);
    return r ? r.stdout.toString().trim() : null;
  }

  /** Paths under `dir` that differ from HEAD or are untracked (`git status --porcelain`). */
  async dirty(dir: string): Promise<string[]> {
    const r = await this.git(['status', '--porcelain', '-z', '--untracked-files=all', '--', dir]);
    return r.stdout
      .toString()
      .split('\0')
      .filter((x) => x.length > 3)
      .map((x) => x.slice(3));
  }

  /** The full commit id of a revision, or a clear error naming it. */
  async resolve(rev: string): Promise<string> {
    const r = await this.git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).catch(() => null);
    if (!r) throw new ApiError('invalid_argument', `${rev} is not a commit, branch or tag of ${this.root}`, 'rev');
    return r.stdout.toString().trim();
  }

  /**
   * Files under `dir` at a commit, as paths relative to `dir`, with their contents. Sizes are checked
   * before a blob is read: at most `maxFile` bytes for one file (`maxModel` for .onnx files) and
   * `maxTotal` for all, so a crafted repository cannot make the app read more than a bundle holds.
   */
  async filesAt(commit: string, dir: string, limits = { maxFile: 4 << 20, maxModel: 1 << 30, maxTotal: 2 ** 31 - 1 }): Promise<Map<string, Buffer>> {
    const prefix = dir.replace(/\/+$/, '');
    const list = await this.git(['ls-tree', '-r', '-z', '-l', commit, '--', `${prefix}/`]);
    const entries = list.stdout
      .toString()
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const [meta, p] = [line.slice(0, line.indexOf('\t')), line.slice(line.indexOf('\t') + 1)];
        return { type: meta.split(/\s+/)[1], size: Number(meta.split(/\s+/)[3]), path: p };
      })
      .filter((e) => e.type === 'blob');
    let total = 0;
    for (const e of entries) {
      const max = e.path.endsWith('.onnx') ? limits.maxModel : limits.maxFile;
      total += e.size;
      if (!(e.size <= max)) throw new ApiError('invalid_argument', `${e.path} at ${commit.slice(0, 12)} is ${e.size} bytes, more than a bundle file may be (${max}); it is not a Quantdesk bundle file`, 'rev');
      if (total > limits.maxTotal) throw new ApiError('invalid_argument', `the bundle at ${prefix}/ holds more than ${limits.maxTotal} bytes; it is not a Quantdesk bundle`, 'rev');
    }
    const out = new Map<string, Buffer>();
    for (const e of entries) out.set(e.path.slice(prefix.length + 1), (await this.git(['cat-file', 'blob', `${commit}:${e.path}`])).stdout);
    return out;
  }

  /** Whether `git args` exits with 0. */
  succeeds(args: readonly string[]): Promise<boolean> {
    return this.git(args).then(
      () => true,
      () => false,
    );
  }

  /**
   * The environment a commit or tag runs with: the author given (else git's configured identity, else
   * a clear error); the committer stays git's own where one is configured, else is the author too.
   */
  async identity(given: GitAuthor | null): Promise<Record<string, string>> {
    const get = async (key: string): Promise<string> => (await this.git(['config', '--get', key]).catch(() => null))?.stdout.toString().trim() ?? '';
    const name = await get('user.name');
    const email = await get('user.email');
    const author = given ?? (name && email ? { name, email } : null);
    if (!author) throw new ApiError('invalid_argument', 'no commit author: set one in Settings → Git export (or git config user.name and user.email)', 'author');
    return { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, ...(email ? {} : { GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email }) };
  }
}

/** The installed git's version, or a clear error when none is installed. */
export async function gitVersion(): Promise<string> {
  try {
    return (await run(process.cwd(), ['--version'])).stdout.toString().trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ApiError('unavailable', 'git is not installed (no `git` on the PATH); install git and try again', 'repo');
    throw e;
  }
}

/** Runs `git args` in `cwd`; a failure carries git's own message. */
function run(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<GitOutput> {
  return new Promise((resolve, reject) => {
    // Hooks run with this environment: vendor keys stay out of it.
    execFile('git', args, { cwd, encoding: 'buffer', maxBuffer: 1 << 30, env: { ...envWithoutKeys(), GIT_TERMINAL_PROMPT: '0', ...env } }, (err, stdout, stderr) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(err);
        const msg = stderr.toString().trim() || stdout.toString().trim() || err.message;
        return reject(new ApiError('conflict', `git ${args[0]} failed in ${cwd}: ${msg}`, 'repo'));
      }
      resolve({ stdout, stderr: stderr.toString() });
    });
  });
}
