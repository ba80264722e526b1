/** One check run before a config export: what was checked, on what, and what was found. */
export interface ExportCheck {
  /** The kind of check: loads, features, metrics, distribution, portfolio, stage, thresholds. */
  check: string;
  /** What it was run on: a model (id@version) or an instrument. */
  subject: string;
  ok: boolean;
  /** The figures behind the verdict, or what failed and what to do. */
  detail: string;
}

/** A file of a config bundle against what the repository's bundle folder holds now. */
export interface ExportFileChange {
  /** Path inside the repository. */
  path: string;
  status: 'added' | 'modified' | 'deleted' | 'unchanged';
  bytes: number;
}

/** What an export would write, before anything is written. */
export interface ExportPreview {
  /** The repository's top folder (absolute). */
  repo: string;
  /** The bundle folder inside it. */
  dir: string;
  /** Whether the folder must first be made a git repository. */
  willInit: boolean;
  /** The exported portfolio's id in the bundle (a file's base name), null when none is stored. */
  portfolio: string | null;
  files: ExportFileChange[];
  /** A unified diff of the text files (binary files named only). */
  diff: string;
  /** Whether anything differs from what the folder holds (quantdesk.yml's time aside). */
  changed: boolean;
  checks: ExportCheck[];
  /** Uncommitted changes in the bundle folder (the export refuses them unless forced). */
  dirty: string[];
}

/** What an export did. */
export interface ExportResult {
  /** The new commit; when nothing changed, the commit HEAD already was (null in an empty repository). */
  commit: string | null;
  /** The bundle's files, as paths inside the repository. */
  files: string[];
  pushed: boolean;
  /** Whether a commit was made (false: nothing changed). */
  changed: boolean;
  tag: string | null;
  /** The commit message (with the override, when validation was overridden). */
  message: string;
  checks: ExportCheck[];
}

/** What an import restored into the home. */
export interface ImportConfigResult {
  /** The commit the bundle was read from. */
  commit: string;
  strategies: string[];
  featureSets: string[];
  /** The stored portfolio id restored, when the bundle held one. */
  portfolio: string | null;
  /** Models registered from the bundle's artifacts (id@version). */
  models: string[];
  /** Models the home already held with the same artifact. */
  modelsPresent: string[];
  /** Models the manifest names without an artifact the home lacks: what to do about them. */
  missing: string[];
}

/** Git export settings. */
export interface ExportSettings {
  /** The repository exports go to by default. */
  repo: string | null;
  /** The bundle folder inside it. */
  dir: string;
  /** The remote pushes go to. */
  remote: string;
  /** The stored portfolio exported (null: the newest). */
  portfolio: string | null;
  /** Commit author; null: git's own configuration. */
  author: { name: string; email: string } | null;
  /** Lowest test metrics a model must reach to be exported (e.g. auc 0.52). */
  minimums: Record<string, number>;
}
