/** A feature set as the Features view lists it. */
export interface FeatureSetInfo {
  name: string;
  /** Where the YAML lives. */
  file: string;
  /** Whether it is one of the app's defaults (saving makes a user copy). */
  builtin: boolean;
  /** The YAML text. */
  text: string;
  /** Spec hash, when the set is valid. */
  hash: string | null;
  /** Why the set is invalid, when it is. */
  error: string | null;
}

/** Result of checking feature-set YAML. */
export interface FeatureSetCheck {
  ok: boolean;
  name: string | null;
  hash: string | null;
  /** Output columns (features, then labels). */
  columns: string[];
  symbols: string[];
  error: string | null;
}

/** Statistics of one output column of a build. */
export interface ColumnValidation {
  nullRate: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  warmupRows: number;
}

/** A build's manifest and validation, as the Features view shows them. */
export interface FeatureBuildInfo {
  buildId: string;
  codeVersion: string;
  columns: string[];
  symbols: Record<string, { rows: number; months: number; inputs: number }>;
  validation: Record<string, Record<string, ColumnValidation>>;
  /** Symbols the build was asked for that it does not hold complete (failed, interrupted), with what happened. */
  incomplete: { symbol: string; status: string }[];
}
