import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readLightgbmText } from '../core/node/models/import-lightgbm';
import { isUbjson, parseModelJson, readXgboostJson, readXgboostUbjson } from '../core/node/models/import-xgboost';
import { isCatboostDoc, readCatboostDoc } from '../core/node/models/import-catboost';
import { expectReferencePredictions, FIXTURES } from './fixtures/models/reference';
import type { GbdtModel } from '../core/common/models/gbdt';

// Models written by XGBoost, LightGBM and CatBoost themselves, with the predictions those libraries made
// (tests/fixtures/models/make-*.py regenerate them; the tests need neither library).
describe('models trained by other libraries', () => {
  for (const name of ['xgb-binary', 'xgb-regression', 'xgb-reg-logistic', 'xgb-poisson', 'xgb-logitraw']) {
    it(`predicts what XGBoost predicted (${name}), here and through ONNX, missing values included`, async () => {
      const { model, features } = readXgboostJson(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'), `${name}.json`);
      expect(features).toEqual(['ibs', 'rsi_14', 'roc_4', 'atr_14']);
      await expectReferencePredictions(model, features, name);
    });
  }

  for (const name of ['xgb-binary', 'xgb-regression']) {
    it(`reads the same model saved by XGBoost as UBJSON (${name}.ubj) and predicts what XGBoost predicted`, async () => {
      const bytes = fs.readFileSync(path.join(FIXTURES, `${name}.ubj`));
      expect(isUbjson(bytes)).toBe(true);
      const { model, features } = readXgboostUbjson(bytes, `${name}.ubj`);
      expect(features).toEqual(['ibs', 'rsi_14', 'roc_4', 'atr_14']);
      await expectReferencePredictions(model, features, name);
    });
  }

  // XGBoost 3.1 writes base_score as a bracketed array ("[5E-1]"), and more fields than 1.x did.
  for (const [model, name] of [['xgb3-binary-logistic', 'xgb3-binary-logistic'], ['xgb3-binary-logistic', 'xgb3-binary-logistic-missing'], ['xgb3-regression', 'xgb3-regression'], ['xgb3-regression-missing', 'xgb3-regression-missing'], ['xgb3-deep-trees', 'xgb3-deep-trees'], ['xgb3-many-trees', 'xgb3-many-trees'], ['xgb3-wide-features', 'xgb3-wide-features']] as const) {
    it(`predicts what XGBoost 3.1 predicted (${name}), here and through ONNX`, async () => {
      const text = fs.readFileSync(path.join(FIXTURES, `${model}.json`), 'utf8');
      expect(text).toMatch(/"base_score":"\[[^\]]+\]"/);
      const { model: m, features } = readXgboostJson(text, `${model}.json`);
      await expectReferencePredictions(m, features, name);
    });
  }

  for (const [name, file] of [['xgb3-multiclass', 'xgb3-multiclass'], ['xgb-softprob', 'xgb-softprob'], ['xgb-softmax', 'xgb-softmax']] as const) {
    it(`predicts every class's probability as XGBoost did (${name}: ${name === 'xgb-softmax' ? 'multi:softmax' : 'multi:softprob'}), here and through ONNX`, async () => {
      const { model, features } = readXgboostJson(fs.readFileSync(path.join(FIXTURES, `${file}.json`), 'utf8'), `${file}.json`);
      expect(model).toMatchObject({ objective: 'multiclass', classes: 3 });
      await expectReferencePredictions(model, features, name);
    });
  }

  it('refuses an XGBoost multiclass model whose tree_info or per-class base scores it cannot read', () => {
    const doc = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'xgb3-multiclass.json'), 'utf8')) as { learner: { learner_model_param: { base_score: string }; gradient_booster: { model: { tree_info: number[] } } } };
    const edit = (f: (d: typeof doc) => void): string => {
      const d = structuredClone(doc);
      f(d);
      return JSON.stringify(d);
    };
    expect(() => readXgboostJson(edit((d) => (d.learner.gradient_booster.model.tree_info[4] = 3)), 'm.json')).toThrow(/m\.json: gradient_booster\.model\.tree_info does not give each of the 12 trees a class from 0 to 2/);
    expect(() => readXgboostJson(edit((d) => (d.learner.learner_model_param.base_score = '[2E-1,3E-1,5E-1]')), 'm.json')).toThrow(/m\.json: learner_model_param\.base_score gives the classes different base scores/);
  });

  // Categorical splits: LightGBM sends the categories in a node's bitset left (x truncated toward zero; NaN and x ≤ −1 right);
  // XGBoost sends a node's categories right (negative x names no category and goes left; NaN the default way).
  for (const [name, read] of [
    ['lgb-cli-categorical', (text: string) => readLightgbmText(text, 'lgb-cli-categorical.txt')],
    ['xgb-categorical', (text: string) => readXgboostJson(text, 'xgb-categorical.json')],
    ['xgb3-categorical-binary', (text: string) => readXgboostJson(text, 'xgb3-categorical-binary.json')],
  ] as const) {
    it(`predicts what the library predicted with categorical splits (${name}): categories in and out of each set, fractions, negatives, NaN and unseen categories`, async () => {
      const text = fs.readFileSync(path.join(FIXTURES, `${name}.${name.startsWith('lgb') ? 'txt' : 'json'}`), 'utf8');
      expect(text).toMatch(name.startsWith('lgb') ? /cat_threshold=/ : /"split_type":\[1/);
      const { model, features } = read(text);
      await expectReferencePredictions(model, features, name);
    });
  }

  it("predicts every class's probability as LightGBM did (lgb-cli-multiclass: softmax over 3 classes, trees taking the classes in turn), here and through ONNX", async () => {
    const { model, features } = readLightgbmText(fs.readFileSync(path.join(FIXTURES, 'lgb-cli-multiclass.txt'), 'utf8'), 'lgb-cli-multiclass.txt');
    expect(model).toMatchObject({ objective: 'multiclass', classes: 3 });
    expect(model.trees).toHaveLength(45);
    await expectReferencePredictions(model, features, 'lgb-cli-multiclass');
  });

  for (const name of ['lgb-cli-linear', 'lgb-cli-linear-binary']) {
    it(`predicts what LightGBM predicted with linear trees (${name}: a linear model per leaf, its plain value where a feature it reads is missing), here and through ONNX`, async () => {
      const text = fs.readFileSync(path.join(FIXTURES, `${name}.txt`), 'utf8');
      const { model, features } = readLightgbmText(text, `${name}.txt`);
      expect((model as GbdtModel).trees.filter((t) => t.linear)).toHaveLength(15);
      // The fixture's input reaches leaves whose linear models read a missing value.
      expect(text).toMatch(/leaf_features=.*\b2\b/);
      await expectReferencePredictions(model, features, name);
    });
  }

  it('predicts what LightGBM predicted with zero_as_missing=true: zeros, −0, NaN and values inside its ±1e-35 zero band go the default side, values just outside by the threshold', async () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'lgb-cli-zero.txt'), 'utf8');
    // Missing type zero is decision_type bits 2–3 = 1 (4: default right, 6: default left).
    expect(text).toMatch(/decision_type=.*\b[46]\b/);
    const { model, features } = readLightgbmText(text, 'lgb-cli-zero.txt');
    const plainNodes = text.match(/num_leaves=(\d+)/g)!.reduce((a, m) => a + 2 * Number(m.slice(11)) - 1, 0);
    const nodes = (model as GbdtModel).trees.reduce((a, t) => a + t.feature.length, 0);
    // Splits whose zero band falls on the other side than their default become three nodes, with copied children.
    expect(nodes).toBeGreaterThan(plainNodes);
    await expectReferencePredictions(model, features, 'lgb-cli-zero');
  });

  for (const name of ['lgb-cli-binary', 'lgb-cli-regression']) {
    it(`predicts what LightGBM predicted (${name}), here and through ONNX, missing values of both missing types included`, async () => {
      const text = fs.readFileSync(path.join(FIXTURES, `${name}.txt`), 'utf8');
      const { model, features } = readLightgbmText(text, `${name}.txt`);
      expect(features).toEqual(['ibs', 'rsi_14', 'roc_4', 'atr_14']);
      expect(model.trees).toHaveLength(15);
      // roc_4 had missing values in training (missing type NaN); the others did not (NaN read as 0).
      expect(text).toMatch(/decision_type=.*\b(8|10)\b/);
      await expectReferencePredictions(model, features, name);
    });
  }

  /** A CatBoost fixture (kept gzipped, as published) parsed as the importer parses JSON. */
  const catboost = (name: string): unknown => parseModelJson(zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, `${name}.json.gz`))).toString('utf8'), `${name}.json`);

  for (const name of ['cb-float-binary', 'cb-float-regression', 'cb-nan-as-true', 'cb-nan-as-false', 'cb-single-tree', 'cb-shallow-trees', 'cb-multiclass-3']) {
    it(`predicts what CatBoost 1.2.10 predicted (${name}), here and through ONNX, missing values of each nan mode included`, async () => {
      const doc = catboost(name);
      expect(isCatboostDoc(doc)).toBe(true);
      const { model, features } = readCatboostDoc(doc, `${name}.json`);
      expect(features[0]).toBe('f0');
      await expectReferencePredictions(model, features, name);
    });
  }

  it('applies scale_and_bias: a scaled CatBoost model predicts scale × Σ leaves + bias', () => {
    const doc = catboost('cb-float-regression') as { scale_and_bias: [number, number[]] };
    const plain = readCatboostDoc(doc, 'r.json').model as GbdtModel;
    const scaled = readCatboostDoc({ ...doc, scale_and_bias: [2.5, [doc.scale_and_bias[1][0]! + 1]] }, 'r.json').model as GbdtModel;
    expect(scaled.base).toBe(plain.base + 1);
    const leaf = plain.trees[0]!.value.findIndex((v) => v !== 0);
    expect(scaled.trees[0]!.value[leaf]).toBe(2.5 * plain.trees[0]!.value[leaf]!);
  });

  it('refuses CatBoost models it cannot evaluate, naming the part: categorical features, other losses, non-symmetric trees, damaged trees', () => {
    expect(() => readCatboostDoc(catboost('cb-ctr-binary'), 'ctr.json')).toThrow(/ctr\.json: the model has 1 categorical feature\(s\) \(features_info\.categorical_features\)/);
    const doc = catboost('cb-single-tree') as { model_info: { params: { loss_function: { type: string } } }; oblivious_trees: { leaf_values: number[]; splits: { border: unknown; float_feature_index: number }[] }[] };
    const edit = (f: (d: typeof doc) => void): unknown => {
      const d = structuredClone(doc);
      f(d);
      return d;
    };
    expect(() => readCatboostDoc(edit((d) => (d.model_info.params.loss_function.type = 'MultiClass')), 'm.json')).toThrow(/m\.json: scale_and_bias has 1 biases for loss MultiClass; expected one per class/);
    expect(() => readCatboostDoc(edit((d) => (d.model_info.params.loss_function.type = 'MultiRMSE')), 'm.json')).toThrow(/m\.json: loss function MultiRMSE is not supported/);
    expect(() => readCatboostDoc({ ...edit(() => undefined) as object, trees: [] }, 'n.json')).toThrow(/n\.json: its trees are non-symmetric/);
    expect(() => readCatboostDoc(edit((d) => d.oblivious_trees[0]!.leaf_values.pop()), 'l.json')).toThrow(/l\.json: tree 0 has 15 leaf_values for 4 splits; expected 16/);
    expect(() => readCatboostDoc(edit((d) => (d.oblivious_trees[0]!.splits[1]!.float_feature_index = 7)), 'f.json')).toThrow(/f\.json: tree 0 split 1 reads float_feature_index 7, which features_info does not list/);
    expect(() => readCatboostDoc(edit((d) => (d.oblivious_trees[0]!.splits[0]!.border = 'NaN')), 'b.json')).toThrow(/b\.json: tree 0 split 0 has the border NaN/);
    expect(() => readCatboostDoc(edit((d) => (d.oblivious_trees[0]!.leaf_values[3] = Number.NaN)), 'v.json')).toThrow(/v\.json: tree 0 leaf 3 has the value null/);
    expect(() => readXgboostJson(JSON.stringify(doc), 'cb.json')).toThrow(/cb\.json: a CatBoost JSON model, not an XGBoost one; import it with --format catboost/);
  });
});
