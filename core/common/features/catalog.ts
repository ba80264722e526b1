import { LABELS } from './labels';
import { FEATURES, parseFeatureSpec } from './registry';
import type { ParamSpec } from './types';

/** A registry entry as lists and the UI show it (no code, plain data). */
export interface FeatureEntry {
  /** Name, as written in specs. */
  name: string;
  /** The spec with default parameters, e.g. `rsi(14)`. */
  spec: string;
  /** One line on what it measures. */
  description: string;
  /** Unit of the outputs. */
  unit: string;
  /** Conventions for comparing with other tools. */
  conventions: string;
  /** Numeric parameters with defaults and bounds. */
  params: ParamSpec[];
  /** Whether it takes a partner symbol first. */
  takesSymbol: boolean;
  /** Whether it takes any number of values of its parameter. */
  variadic: boolean;
  /** Output columns for the default parameters. */
  outputs: string[];
  /** Warm-up bars for the default parameters. */
  warmup: number;
  /** Whether the streaming kernel is O(1) per bar. */
  constantTime: boolean;
}

/** A label as lists show it. */
export interface LabelEntry {
  name: string;
  description: string;
  params: { name: string; default: number | string }[];
  outputs: string[];
}

/** Every feature with its defaults resolved, in registry order. */
export function featureCatalog(): FeatureEntry[] {
  return [...FEATURES.values()].map((f) => {
    const spec = f.takesSymbol ? `${f.name}(NQ,${f.params.map((p) => p.default).join(',')})` : f.params.length > 0 && !f.variadic ? `${f.name}(${f.params.map((p) => p.default).join(',')})` : f.name;
    const inst = parseFeatureSpec(spec);
    return {
      name: f.name,
      spec: inst.spec,
      description: f.description,
      unit: f.unit,
      conventions: f.conventions,
      params: f.params,
      takesSymbol: f.takesSymbol === true,
      variadic: f.variadic === true,
      outputs: inst.outputs,
      warmup: inst.warmup,
      constantTime: f.constantTime,
    };
  });
}

/** Every label with its default outputs. */
export function labelCatalog(): LabelEntry[] {
  return [...LABELS.values()].map((l) => ({ name: l.name, description: l.description, params: l.params, outputs: l.outputs(l.params.map((p) => p.default)) }));
}
