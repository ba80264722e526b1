/** One stage change of a model version (newest first in a history). */
export interface StageEvent {
  /** The version that changed stage. */
  version: number;
  /** Its stage before and after. */
  from: string;
  to: string;
  /** When, epoch ms. */
  at: number;
}

/** Where inference runs. */
export interface InferenceSettings {
  /** The provider used unless a call names one ('auto': the platform's order). */
  provider: string;
  /** The order 'auto' tries on this platform, fastest first. */
  platformOrder: string[];
  /** Whether each provider loads a model here, and why not; where it loads, what ran a tree ensemble's nodes (ONNX Runtime's profile). */
  providers: { provider: string; available: boolean; reason?: string; trees?: string }[];
}

/** Where ONNX Runtime ran a model's nodes, from its profile of one inference. */
export interface ModelPlacement {
  /** The provider the session was created on. */
  asked: string;
  /** Kernels run, by operator and the provider that ran them. */
  nodes: { op: string; provider: string; count: number }[];
  /** In words: e.g. `ran on CPU (tree operators have no GPU kernels: TreeEnsembleClassifier)`. */
  summary: string;
}

/** A registered model run by the inference service on the latest rows of its feature build. */
export interface ModelCheck {
  /** `<id>@<version>`. */
  model: string;
  /** Symbols whose rows were run. */
  symbols: string[];
  /** Rows predicted. */
  rows: number;
  /** Time of the first and last row (epoch ms). */
  from: number;
  to: number;
  /** The execution provider that ran the model. */
  provider: string;
  /** Why a faster provider was not used, when one was not. */
  fallback: string | null;
  /** Where the provider really ran each node (a GPU provider runs tree operators on the CPU). */
  placement: ModelPlacement;
  /** What served the batch (and serves backtests, replays and paper sessions): the compiled trees, with their largest difference from ONNX Runtime on these rows, or ONNX Runtime, and why. */
  engine: { kind: 'compiled'; maxDiff: number } | { kind: 'onnxruntime'; why: string };
  /** Inference time of the batch. */
  ms: number;
  /** Mean, smallest and largest prediction. */
  mean: number;
  min: number;
  max: number;
  /** The classifier's threshold (chosen on validation, else 0.5); null for regressors. */
  threshold: number | null;
  /** Share of rows at or above the threshold; null for regressors. */
  aboveThreshold: number | null;
  /** A multiclass model: per class, the share of rows where it is the most probable (mean, min and max are then of that top probability). */
  classShare?: Record<string, number>;
}

/** A registered model version. */
export interface ModelInfo {
  id: string;
  version: number;
  kind: string;
  objective: string;
  symbols: string[];
  timeframe: string | null;
  featureSet: string | null;
  specHash: string | null;
  label: string | null;
  /** Input features in order. */
  features: string[];
  /** Metrics per held-out fold (validation, test). */
  metrics: Record<string, Record<string, number>>;
  /** Checksum of model.onnx. */
  sha256: string;
  /** candidate, production or archived. */
  stage: string;
  createdAt: number;
}
