import { z } from 'zod';
import { backfillRequestSchema, importRequestSchema, continuousRequestSchema, snapshotsRequestSchema, retentionRequestSchema, materializeRequestSchema } from './lake/schemas';
import { featuresRequestSchema, promoteRequestSchema, icRequestSchema } from './features/schemas';
import { backtestRequestSchema, sweepRequestSchema, filterRequestSchema, portfolioRequestSchema } from './backtest/schemas';
import { paperReplayRequestSchema } from './trading/schemas';
import { trainRequestSchema } from './models/schemas';

// The job requests, as the job service receives them once validated: services and the domains that run jobs depend on this contract, not on each other.

/** Any job request. */
export const jobRequestSchema = z.discriminatedUnion('kind', [backfillRequestSchema, importRequestSchema, continuousRequestSchema, snapshotsRequestSchema, retentionRequestSchema, materializeRequestSchema, featuresRequestSchema, promoteRequestSchema, icRequestSchema, trainRequestSchema, backtestRequestSchema, sweepRequestSchema, portfolioRequestSchema, filterRequestSchema, paperReplayRequestSchema]);

/** A validated job request. */
export type JobRequest = z.output<typeof jobRequestSchema>;
export type BackfillRequest = Extract<JobRequest, { kind: 'backfill' }>;
/** A validated import request. */
export type ImportRequest = Extract<JobRequest, { kind: 'import' }>;
/** A validated continuous-futures request. */
export type ContinuousRequest = Extract<JobRequest, { kind: 'continuous' }>;
/** A validated book-snapshot request. */
export type SnapshotsRequest = Extract<JobRequest, { kind: 'snapshots' }>;
/** A validated retention request. */
export type RetentionRequest = Extract<JobRequest, { kind: 'retention' }>;
/** A validated materialise request. */
export type MaterializeRequest = Extract<JobRequest, { kind: 'materialize' }>;
export type FeaturesRequest = Extract<JobRequest, { kind: 'features' }>;
export type PromoteRequest = Extract<JobRequest, { kind: 'promote' }>;
export type IcRequest = Extract<JobRequest, { kind: 'ic' }>;
export type TrainRequest = Extract<JobRequest, { kind: 'train' }>;
export type BacktestRequest = Extract<JobRequest, { kind: 'backtest' }>;
export type SweepRequest = Extract<JobRequest, { kind: 'sweep' }>;
export type PortfolioRequest = Extract<JobRequest, { kind: 'portfolio' }>;
export type FilterRequest = Extract<JobRequest, { kind: 'filter' }>;
export type PaperReplayRequest = Extract<JobRequest, { kind: 'paper' }>;
