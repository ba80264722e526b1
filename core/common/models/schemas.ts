import { z } from 'zod';
import { MODEL_ID } from '../ids';
import { symbolSchema } from '../schemas';

/** The train/validation/test split a config gets when it names none (the training form writes it). */
export const SPLIT_DEFAULTS = { validation: 0.2, test: 0.2, embargo: 1 } as const;

/** A model training configuration (what `train --config FILE.yml` holds). */
export const trainConfigSchema = z
  .object({
    name: z.string().regex(MODEL_ID, 'expected a model name of letters, digits, - and _'),
    featureSet: z.string().min(1, 'name the feature set whose current build to train on'),
    symbols: z.array(symbolSchema).min(1).optional(),
    label: z.string().regex(/^label_/, 'expected a label column such as label_b1'),
    features: z.array(z.string().min(1)).min(1).optional(),
    model: z.discriminatedUnion(
      'kind',
      [
        z
          .object({
            kind: z.literal('gbdt'),
            objective: z.enum(['binary', 'regression']).default('binary'),
            nTrees: z.number().int().min(1).max(10_000).default(200),
            maxDepth: z.number().int().min(1).max(16).default(6),
            /** Grow best split first up to this many leaves (within maxDepth); 0: no limit (level-wise). */
            maxLeaves: z.number().int().min(0).max(65_536).refine((v) => v !== 1, 'a tree needs at least 2 leaves (0: no limit)').default(0),
            learningRate: z.number().positive().max(1).default(0.1),
            minChildWeight: z.number().min(0).default(1),
            lambda: z.number().min(0).default(1),
            subsample: z.number().gt(0).max(1).default(1),
            colsample: z.number().gt(0).max(1).default(1),
            maxBins: z.number().int().min(2).max(255).default(255),
            earlyStoppingRounds: z.number().int().min(0).default(20),
          })
          .strict(),
        z
          .object({
            kind: z.literal('forest'),
            objective: z.enum(['binary', 'regression']).default('binary'),
            nTrees: z.number().int().min(1).max(10_000).default(100),
            maxDepth: z.number().int().min(1).max(30).default(8),
            minSamplesLeaf: z.number().int().min(1).default(5),
            maxFeatures: z.union([z.literal('sqrt'), z.number().gt(0).max(1)]).default('sqrt'),
            bootstrap: z.boolean().default(true),
            maxBins: z.number().int().min(2).max(255).default(255),
          })
          .strict(),
        z
          .object({
            kind: z.literal('mlp'),
            objective: z.enum(['binary', 'regression']).default('binary'),
            hidden: z.array(z.number().int().min(1).max(1024)).min(1).max(4).default([32]),
            epochs: z.number().int().min(1).max(1000).default(50),
            batchSize: z.number().int().min(1).max(65_536).default(256),
            learningRate: z.number().positive().max(1).default(0.001),
            l2: z.number().min(0).default(1e-4),
            patience: z.number().int().min(1).default(5),
          })
          .strict(),
        z.object({ kind: z.literal('knn'), objective: z.literal('binary').default('binary'), k: z.number().int().min(1).max(100).default(5), maxEvents: z.number().int().min(10).max(200_000).default(50_000) }).strict(),
        z.object({ kind: z.literal('logistic'), objective: z.literal('binary').default('binary'), l2: z.number().min(0).default(1), l1: z.number().min(0).default(0) }).strict(),
        z.object({ kind: z.literal('ridge'), objective: z.literal('regression').default('regression'), l2: z.number().min(0).default(1) }).strict(),
        z.object({ kind: z.literal('lasso'), objective: z.literal('regression').default('regression'), alpha: z.number().min(0).default(0.01) }).strict(),
      ],
      { error: 'expected model.kind gbdt, forest, mlp, knn, logistic, ridge or lasso' },
    ),
    split: z
      .object({
        validation: z.number().gt(0).lt(0.5).default(0.2),
        test: z.number().gt(0).lt(0.5).default(0.2),
        /** Rows purged before each fold boundary: at least the label's horizon. */
        embargo: z.number().int().min(0).default(1),
      })
      .strict()
      .default(() => ({ ...SPLIT_DEFAULTS })),
    /** Blend a classifier with kNN retrieval of similar past events: p = (1 − weight) p_model + weight p_knn. */
    blendKnn: z
      .object({ k: z.number().int().min(1).max(100).default(5), weight: z.number().min(0).max(1).default(0.25), maxEvents: z.number().int().min(10).max(200_000).default(50_000) })
      .strict()
      .optional(),
    /** For trade-filter classifiers: the probability threshold chosen on validation, reported on test. */
    threshold: z
      .object({
        objective: z.enum(['precision', 'f1'], { error: 'expected precision or f1 (profit factor and Sharpe need backtests)' }),
        /** Least share of rows a precision threshold must keep. */
        minShare: z.number().gt(0).max(1).default(0.05),
      })
      .strict()
      .optional(),
    /**
     * Hyperparameter search (TPE with median pruning) over walk-forward folds; every trial is stored
     * and a rerun of the same configuration resumes it. The best parameters train the final model.
     */
    search: z
      .object({
        trials: z.number().int().min(1).max(500).default(20),
        metric: z.enum(['auc', 'logLoss', 'balancedAccuracy', 'precisionAtTop10', 'rmse', 'r2', 'ic']).optional(),
        space: z.record(
          z.string(),
          z
            .object({ low: z.number(), high: z.number(), log: z.boolean().optional(), int: z.boolean().optional() })
            .strict()
            .refine((r) => r.low < r.high, 'low must be below high')
            .refine((r) => !r.log || r.low > 0, 'a log range needs low > 0'),
        ),
      })
      .strict()
      .optional(),
    /** Walk-forward validation before the test period, reported per fold. */
    validation: z
      .object({
        folds: z.number().int().min(2).max(50).default(5),
        window: z.enum(['expanding', 'rolling'], { error: 'expected expanding or rolling' }).default('expanding'),
        /** Blocks a rolling window trains on. */
        rollingBlocks: z.number().int().min(1).default(2),
      })
      .strict()
      .optional(),
    seed: z.number().int().default(1),
  })
  .strict()
  .refine((c) => !c.blendKnn || (c.model.objective === 'binary' && c.model.kind !== 'knn'), { message: 'blendKnn applies to classifiers (objective binary) other than kNN itself', path: ['blendKnn'] })
  .refine((c) => !c.search || c.validation, { message: 'a search scores trials on walk-forward folds: add validation: { folds: N }', path: ['search'] })
  .refine((c) => !c.search || Object.keys(c.search.space).every((k) => typeof (c.model as Record<string, unknown>)[k] === 'number'), { message: 'search.space names a parameter the model does not have (or one that is not a number)', path: ['search', 'space'] });

export type TrainConfig = z.output<typeof trainConfigSchema>;

/** Trains a model from a configuration. */
/** Trains a model; `allowPartial` trains on a build some of whose symbols failed or were interrupted (recorded on the model's card). */
export const trainRequestSchema = z.object({ kind: z.literal('train'), config: trainConfigSchema, allowPartial: z.boolean().optional() }).strict();
