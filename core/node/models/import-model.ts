import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ApiError } from '../../common/errors';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { readBuild } from '../features/analysis';
import { featureSetDirs, loadFeatureSet } from '../features/feature-sets';
import { gbdtToOnnx, multiclassToOnnx } from './export-onnx';
import { isUbjson, parseModelJson, readXgboostDoc, readXgboostUbjson } from './import-xgboost';
import { isCatboostDoc, readCatboostDoc } from './import-catboost';
import { readLightgbmText } from './import-lightgbm';
import { inspectOnnx } from './onnx-inspect';
import { withoutZipMap } from './onnx-zipmap';
import { withAnyBatch } from './onnx-batch';
import { chooseOutput, classProbabilitiesOf, predictionsOf } from './model-output';
import { registerModel } from './registry';
import { verifiedTensorExport } from './tensor-export';
import { MODEL_ID } from '../../common/ids';
import type { ImportedTrees } from '../../common/models/gbdt';
import { MAX_BYTES, readRegularFile } from '../untrusted-files';

/** What `models import` registered, and how its features line up with a feature set. */
export interface ImportedModel {
  id: string;
  version: number;
  kind: string;
  objective: string;
  features: string[];
  /** The output read as the prediction (`probabilities[:, 1]` for a classifier: P of its second class). */
  output: string;
  /** A multiclass model's class names, in the order of its probability columns. */
  classes?: string[];
  /** With a feature set: 'same' when the model reads the set's columns in the set's order, else 'by name'. */
  featureOrder?: 'same' | 'by name';
  /** A sequence model's window: the rows [T, features] it reads per prediction. */
  window?: number;
}

/** Longest window a sequence model may read. */
const MAX_WINDOW = 4096;

const bad = (message: string): ApiError => new ApiError('invalid_argument', message, 'file');

/** An ONNX Runtime session on the CPU, or a refusal naming the file and what ONNX Runtime said. */
async function cpuSession(bytes: Uint8Array, file: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  } catch (e) {
    throw bad(`${file}: ONNX Runtime cannot load it (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Reads an ONNX file and checks it is one Quantdesk can run: standard domains, data inside, one float input. */
async function readOnnx(bytes: Uint8Array, file: string): Promise<{ features: string[] | null; objective: string; width: number; window: number }> {
  let info;
  try {
    info = inspectOnnx(bytes);
  } catch (e) {
    throw bad(`${file}: not a readable ONNX model (${(e as Error).message}); the file is corrupt or truncated`);
  }
  const foreign = info.domains.filter((d) => d !== '' && d !== 'ai.onnx' && d !== 'ai.onnx.ml');
  if (foreign.length) throw bad(`${file}: uses the operator domain ${foreign.join(', ')}, which ONNX Runtime's standard build does not run; export with standard and ai.onnx.ml operators`);
  if (info.externalData) throw bad(`${file}: keeps tensors in external data files; save the model with all tensors inside one file`);
  const session = await cpuSession(bytes, file);
  try {
    if (session.inputNames.length !== 1) throw bad(`${file}: has ${session.inputNames.length} inputs; Quantdesk feeds one [batch, features] or [batch, window, features] float tensor`);
    const meta = session.inputMetadata?.[0] as { isTensor?: boolean; type?: string; shape?: (number | string)[] } | undefined;
    const shape = meta?.shape ?? [];
    // A sequence model (LSTM, 1-D CNN, transformer) reads [batch, window, features]: its window is fixed in the file.
    const window = shape.length === 3 ? Number(shape[1]) : 1;
    const width = Number(shape[shape.length - 1]);
    if (meta && shape.length === 3 && !(Number.isInteger(window) && window >= 1 && window <= MAX_WINDOW))
      throw bad(`${file}: its input [${shape.join(', ')}] is a sequence whose window (the second dimension) is ${Number.isInteger(window) ? `${window} rows, over the ${MAX_WINDOW} served` : 'not fixed'}; export it with a fixed window length (dynamic axes on the batch only)`);
    if (meta && (meta.type !== 'float32' || !Number.isInteger(width) || (shape.length !== 2 && shape.length !== 3))) throw bad(`${file}: its input is ${meta.type ?? 'not a tensor'} of shape [${shape.join(', ')}]; Quantdesk feeds [batch, features] or [batch, window, features] float32`);
    const features = info.metadata.features ? (JSON.parse(info.metadata.features) as string[]) : null;
    const choice = chooseOutput(session, file);
    const objective = choice.classifier ? 'binary' : (info.metadata.objective ?? (/^(p|prob|probabilit)/i.test(choice.name) ? 'binary' : 'regression'));
    return { features, objective, width, window };
  } finally {
    await session.release();
  }
}

/** A rewrite's result, or null where the bytes are unreadable: readOnnx then says so, naming the file. */
function readable<T>(rewrite: () => T | null): T | null {
  try {
    return rewrite();
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

/** The model files `models import` reads. */
export type ModelFileFormat = 'onnx' | 'xgboost' | 'lightgbm' | 'catboost';

/**
 * Reads a tree model file: LightGBM text, XGBoost UBJSON, or JSON, which is XGBoost's or CatBoost's
 * as its content says (both save `.json`); a file of the other library than the one asked for is refused.
 */
function readTreeFile(bytes: Uint8Array, asked: Exclude<ModelFileFormat, 'onnx'>, file: string, budget?: number): { model: ImportedTrees; features: string[]; format: Exclude<ModelFileFormat, 'onnx'> } {
  if (asked === 'lightgbm') return { ...readLightgbmText(new TextDecoder().decode(bytes), file, budget), format: asked };
  if (isUbjson(bytes)) {
    if (asked === 'catboost') throw bad(`${file}: a UBJSON file (XGBoost's binary JSON), not a CatBoost JSON model`);
    return { ...readXgboostUbjson(bytes, file, budget), format: 'xgboost' };
  }
  const doc = parseModelJson(new TextDecoder().decode(bytes), file, budget);
  if (isCatboostDoc(doc)) return { ...readCatboostDoc(doc, file), format: 'catboost' };
  if (asked === 'catboost') throw bad(`${file}: not a CatBoost JSON model (no features_info and oblivious_trees); save it with model.save_model("model.json", format="json")`);
  return { ...readXgboostDoc(doc, file), format: 'xgboost' };
}

/**
 * Imports a model trained elsewhere: ONNX as it is; XGBoost JSON or UBJSON, LightGBM text and CatBoost JSON converted to ONNX. Checked against a
 * feature set when one is named (every model feature must be a column of its current build). Nothing
 * is registered when any check fails.
 */
export async function importModel(ctx: { home: HomeLayout; catalog: Catalog }, resources: string, o: { file: string; format?: ModelFileFormat; name?: string; featureSet?: string; parseBudgetBytes?: number }): Promise<ImportedModel> {
  const file = path.resolve(o.file);
  let bytes: Uint8Array = readRegularFile(file, { maxBytes: MAX_BYTES.model, what: 'model file' });
  if (bytes.length === 0) throw bad(`${o.file}: the file is empty`);
  let format: ModelFileFormat = o.format ?? (/\.(json|ubj)$/i.test(file) ? 'xgboost' : /\.txt$/i.test(file) ? 'lightgbm' : 'onnx');
  const set = o.featureSet ? loadFeatureSet(o.featureSet, featureSetDirs(ctx.home.root, resources)) : undefined;
  let onnx: Uint8Array;
  let features: string[];
  let objective: string;
  let outputNote = '';
  let window = 1;
  const id = (o.name ?? path.basename(file).replace(/\..*$/, '')).replace(/[^A-Za-z0-9_-]/g, '-');
  if (!MODEL_ID.test(id)) throw new ApiError('invalid_argument', `model name "${id}": use letters, digits, - and _ (--name)`, 'name');
  const version = 1 + ((ctx.catalog.db.prepare('SELECT max(version) AS v FROM models WHERE id = ?').get(id) as { v: number | null }).v ?? 0);
  if (format !== 'onnx') {
    const x = readTreeFile(bytes, format, o.file, o.parseBudgetBytes);
    format = x.format;
    features = x.features;
    objective = x.model.objective;
    const meta = { features, specHash: set?.hash ?? '', modelCard: `${id}@${version}` };
    onnx = x.model.objective === 'multiclass' ? multiclassToOnnx(x.model, meta) : gbdtToOnnx(x.model, meta);
  } else {
    const unzipped = readable(() => withoutZipMap(bytes));
    if (unzipped) {
      bytes = unzipped.model;
      outputNote = `, read before its ZipMap ${unzipped.replaced.map((r) => r.zipmap).join(', ')} (removed: ONNX Runtime for Node returns no maps)`;
    }
    const batched = readable(() => withAnyBatch(bytes));
    if (batched) {
      bytes = batched.model;
      outputNote += `; ${batched.changed.join(', ')} declared for one row, read for any number of rows`;
    }
    const r = await readOnnx(bytes, o.file);
    objective = r.objective;
    window = r.window;
    onnx = bytes;
    if (r.features) features = r.features;
    else {
      if (!set) throw bad(`${o.file}: carries no feature names; name the feature set it was trained on with --feature-set`);
      features = readBuild(ctx.home.lake, `${set.name}@${set.hash}`).columns.filter((c) => c !== 'close' && !c.startsWith('label_'));
      if (features.length !== r.width) throw bad(`${o.file}: reads ${r.width} features but feature set ${set.name} has ${features.length}; name the right set`);
    }
    if (Number.isInteger(r.width) && r.width !== features.length) throw bad(`${o.file}: reads ${r.width} features but its metadata names ${features.length}`);
  }
  let featureOrder: ImportedModel['featureOrder'];
  if (set) {
    const columns = readBuild(ctx.home.lake, `${set.name}@${set.hash}`).columns.filter((c) => c !== 'close' && !c.startsWith('label_'));
    const missing = features.filter((f) => !columns.includes(f));
    if (missing.length) throw new ApiError('invalid_argument', `${o.file}: feature set ${set.name} lacks ${missing.join(', ')} (the model reads ${features.join(', ')}; the set has ${columns.join(', ')})`, 'featureSet');
    featureOrder = columns.filter((c) => features.includes(c)).join(',') === features.join(',') ? 'same' : 'by name';
  }
  if (window > 1 && set) {
    // Windows are the build's consecutive rows, which are a paper session's bars only when the set keeps every bar.
    const spec = readBuild(ctx.home.lake, `${set.name}@${set.hash}`).spec;
    if (spec.session !== 'all' || spec.evaluate) throw bad(`${o.file}: reads windows of ${window} rows, but feature set ${set.name} keeps ${spec.evaluate ? 'only its evaluation hours' : 'regular hours only'}; a window must be consecutive bars, so use a set with session: all and no evaluate`);
  }
  // Nothing is registered that ONNX Runtime cannot run, or that gives other than one prediction per row.
  const checked = await predictsRows(onnx, features.length, o.file, window);
  if (window > 1 && checked.classes > 2) throw bad(`${o.file}: a sequence model with ${checked.classes} classes; sequence models are served for one probability or value per window`);
  const output = checked.output + outputNote;
  if (checked.classes > 2) objective = 'multiclass';
  const classes = checked.classes > 2 ? Array.from({ length: checked.classes }, (_, c) => String(c)) : undefined;
  // Tree ensembles get the standard-operator export GPU providers can run, checked against the file.
  const tensorOnnx = objective === 'multiclass' ? null : await verifiedTensorExport(onnx, features.length, { features, specHash: set?.hash ?? '', modelCard: `${id}@${version}` });
  registerModel(ctx.catalog, ctx.home, {
    id,
    version,
    kind: format,
    objective,
    onnx,
    ...(tensorOnnx ? { tensorOnnx } : {}),
    card: { id, version, kind: format, objective, source: file, output, ...(classes ? { classes } : {}), ...(window > 1 ? { window } : {}), features, featureSet: set?.name ?? null, specHash: set?.hash ?? null, ...(featureOrder ? { featureOrder } : {}) },
    symbols: set?.symbols ?? [],
    timeframe: set?.timeframe ?? null,
    featureSet: set?.name ?? null,
    specHash: set?.hash ?? null,
    label: null,
    features,
    params: {},
    metrics: {},
  });
  return { id, version, kind: format, objective, output, ...(classes ? { classes } : {}), features, ...(featureOrder ? { featureOrder } : {}), ...(window > 1 ? { window } : {}) };
}

/**
 * Loads a model in ONNX Runtime and predicts a few rows (zeros, and every value missing): one finite
 * prediction per row (a multiclass model: one probability per class), or the file is refused. Returns
 * which output it read and how many classes a classifier has (1 for other models).
 */
async function predictsRows(onnx: Uint8Array, width: number, file: string, window = 1): Promise<{ output: string; classes: number }> {
  const session = await cpuSession(onnx, file);
  try {
    const choice = chooseOutput(session, file);
    const rows = 3;
    const x = new Float32Array(rows * window * width);
    x.fill(Number.NaN, window * width);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, window > 1 ? [rows, window, width] : [rows, width]) }, [choice.name]);
    } catch (e) {
      throw bad(`${file}: ONNX Runtime loads it but cannot run it on ${rows} ${window > 1 ? `windows of ${window} rows` : 'rows'} of ${width} features (${(e as Error).message.split('\n')[0]})`);
    }
    const t = out[choice.name]!;
    if (choice.classifier && t.dims.length === 2 && Number(t.dims[1]) > 2) {
      const p = classProbabilitiesOf(t, rows, choice, file);
      if (!p.values.subarray(0, p.classes).every(Number.isFinite)) throw bad(`${file}: predicts ${Array.from(p.values.subarray(0, p.classes)).join(', ')} for a row of zeros; the model's parameters are not numbers`);
      return { output: choice.name, classes: p.classes };
    }
    const y = predictionsOf(t, rows, choice, file);
    if (!Number.isFinite(y[0])) throw bad(`${file}: predicts ${y[0]} for a row of zeros; the model's parameters are not numbers`);
    return { output: choice.classifier ? `${choice.name}[:, 1]` : choice.name, classes: choice.classifier ? 2 : 1 };
  } finally {
    await session.release();
  }
}
