import type { FeatureBar, FeatureDef, FeatureParams, FeatureSeries, ParamSpec, StreamingKernel } from './types';

/**
 * A feature's kernel: state plus a step that reads bar i of a series (and only bar i) and writes the
 * outputs for it. The streaming and batch paths both drive this one step, which is what makes them agree.
 */
export interface Kernel {
  step(s: FeatureSeries, i: number, out: Float64Array): void;
}

/** The parts of a feature definition that differ between features: everything but the two paths, plus the kernel. */
export type KernelFeature = Omit<FeatureDef, 'stream' | 'batch'> & {
  /** A fresh kernel for the given parameters. */
  kernel(p: FeatureParams): Kernel;
};

/** A one-bar series the streaming path writes each incoming bar into before stepping the kernel. */
function scratchSeries(): FeatureSeries {
  return {
    t: new Float64Array(1),
    o: new Float64Array(1),
    h: new Float64Array(1),
    l: new Float64Array(1),
    c: new Float64Array(1),
    v: new Float64Array(1),
    day: new Int32Array(1),
    sessionStart: new Float64Array(1),
    monthEnd: new Uint8Array(1),
    partner: new Float64Array(1),
  };
}

/** Builds the full definition: streaming and batch paths both step the same kernel. */
export function defineFeature(f: KernelFeature): FeatureDef {
  return {
    ...f,
    stream(p: FeatureParams): StreamingKernel {
      const k = f.kernel(p);
      const s = scratchSeries();
      const out = new Float64Array(f.outputs(p).length);
      return {
        update(bar: FeatureBar): Float64Array {
          s.t[0] = bar.t;
          s.o[0] = bar.o;
          s.h[0] = bar.h;
          s.l[0] = bar.l;
          s.c[0] = bar.c;
          s.v[0] = bar.v;
          s.day[0] = bar.day;
          s.sessionStart[0] = bar.sessionStart;
          s.monthEnd[0] = bar.monthEnd ? 1 : 0;
          s.partner![0] = bar.partner;
          k.step(s, 0, out);
          return out;
        },
      };
    },
    batch(s: FeatureSeries, p: FeatureParams): Float64Array[] {
      const k = f.kernel(p);
      const width = f.outputs(p).length;
      const n = s.t.length;
      const cols = Array.from({ length: width }, () => new Float64Array(n));
      const out = new Float64Array(width);
      if (width === 1) {
        const col = cols[0]!;
        for (let i = 0; i < n; i++) {
          k.step(s, i, out);
          col[i] = out[0]!;
        }
      } else if (width === 5) {
        // Unrolled for the common five-column features (bbands, calendar, macdday).
        const [c0, c1, c2, c3, c4] = cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
        for (let i = 0; i < n; i++) {
          k.step(s, i, out);
          c0[i] = out[0]!;
          c1[i] = out[1]!;
          c2[i] = out[2]!;
          c3[i] = out[3]!;
          c4[i] = out[4]!;
        }
      } else {
        for (let i = 0; i < n; i++) {
          k.step(s, i, out);
          for (let j = 0; j < width; j++) cols[j]![i] = out[j]!;
        }
      }
      return cols;
    },
  };
}

/** A parameter spec, briefly. */
export function param(name: string, def: number, min: number, max: number, description: string, integer = true): ParamSpec {
  return { name, default: def, min, max, integer, description };
}

/** A number as it appears in a column name (`2`, `2.5`). */
export function fmt(x: number): string {
  return String(x);
}

/** A feature's first numeric parameter (its window length, for most). */
export const n0 = (p: FeatureParams): number => p.nums[0]!;
