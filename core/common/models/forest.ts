import { rng, type GbdtModel, type TrainData } from './gbdt';
import type { Tree } from './tree';
import { growthSpace, growTree, type HistogramHelperFactory } from './tree';

/** Random-forest parameters. */
export interface ForestParams {
  objective: 'binary' | 'regression';
  nTrees: number;
  maxDepth: number;
  /** Minimum rows (bootstrap-weighted) in a leaf. */
  minSamplesLeaf: number;
  /** Features tried per split: a fraction of all, or 'sqrt'. */
  maxFeatures: number | 'sqrt';
  /** Draw each tree's rows with replacement (else use every row). */
  bootstrap: boolean;
  maxBins: number;
  seed: number;
}

export const FOREST_DEFAULTS: ForestParams = { objective: 'binary', nTrees: 100, maxDepth: 8, minSamplesLeaf: 5, maxFeatures: 'sqrt', bootstrap: true, maxBins: 255, seed: 1 };

/**
 * A random forest of histogram trees: each tree fits the targets (variance reduction, which for 0/1
 * targets is the Gini criterion) on a bootstrap sample, trying a random subset of features at every
 * split; leaves hold means, and the forest averages them (a probability for binary targets). The
 * result is a tree ensemble with an identity link, so it predicts and exports like boosted trees.
 */
export function trainForest(train: TrainData, params: Partial<ForestParams> = {}, onTree?: (done: number, total: number) => boolean | void, helper?: HistogramHelperFactory): GbdtModel {
  const p: ForestParams = { ...FOREST_DEFAULTS, ...params };
  const nf = train.x.length;
  const n = train.y.length;
  if (p.objective === 'binary' && train.y.some((v) => v !== 0 && v !== 1)) throw new RangeError('binary objective needs labels 0 and 1');
  const space = growthSpace(train.x, p.maxBins, helper);
  const { gh, idx } = space;
  const random = rng(p.seed);
  const tryPerSplit = Math.max(1, Math.min(nf, p.maxFeatures === 'sqrt' ? Math.round(Math.sqrt(nf)) : Math.round(p.maxFeatures * nf)));
  const all = Array.from({ length: nf }, (_, f) => f);
  const features = (): number[] => {
    // A partial Fisher–Yates shuffle draws tryPerSplit distinct features.
    const pool = [...all];
    for (let k = 0; k < tryPerSplit; k++) {
      const j = k + Math.floor(random() * (nf - k));
      [pool[k], pool[j]] = [pool[j]!, pool[k]!];
    }
    return pool.slice(0, tryPerSplit).sort((a, b) => a - b);
  };
  const importance = new Float64Array(nf);
  const trees: Tree[] = [];
  try {
    for (let t = 0; t < p.nTrees; t++) {
      const weight = new Float64Array(n);
      if (p.bootstrap) for (let k = 0; k < n; k++) weight[Math.floor(random() * n)]! += 1;
      else weight.fill(1);
      let m = 0;
      for (let i = 0; i < n; i++) {
        // Gradients of squared error from 0: the leaves become weighted means of y.
        gh[2 * i] = -train.y[i]! * weight[i]!;
        gh[2 * i + 1] = weight[i]!;
        if (weight[i]! > 0) idx[m++] = i;
      }
      trees.push(growTree(space, m, { maxDepth: p.maxDepth, minChildWeight: p.minSamplesLeaf, lambda: 0, learningRate: 1 / p.nTrees, features }, importance));
      if (onTree?.(t + 1, p.nTrees) === false) break;
    }
  } finally {
    space.close();
  }
  // Stopped early: rescale so the leaves still average.
  const scale = p.nTrees / trees.length;
  if (scale !== 1) for (const tr of trees) for (let k = 0; k < tr.value.length; k++) tr.value[k] = tr.value[k]! * scale;
  return { objective: p.objective, link: 'identity', base: 0, trees, nFeatures: nf, importance, validationLoss: [] };
}
