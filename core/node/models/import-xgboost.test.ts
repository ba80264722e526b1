import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseScore, nonFiniteAsNull, readXgboostJson } from './import-xgboost';

const FIXTURES = path.resolve(__dirname, '../../../tests/fixtures/models');

describe('XGBoost JSON models', () => {
  it('refuses files that are not supported XGBoost models, naming the file and what to do', () => {
    expect(() => readXgboostJson('{"learner":', 'm.json')).toThrow(/m\.json: not JSON/);
    expect(() => readXgboostJson('{}', 'm.json')).toThrow(/not an XGBoost model/);
    // CatBoost's JSON export (model.save_model(f, format="json")) is named, not misread.
    expect(() => readXgboostJson('{"features_info":{"float_features":[]},"oblivious_trees":[{"leaf_values":[0.1,-0.1],"splits":[{"border":0.5,"float_feature_index":0,"split_index":0,"split_type":"FloatFeature"}]}],"scale_and_bias":[1,[0]]}', 'cb.json')).toThrow(/cb\.json: a CatBoost JSON model, not an XGBoost one; import it with --format catboost/);
    const doc = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'xgb-binary.json'), 'utf8'));
    doc.learner.objective.name = 'rank:pairwise';
    expect(() => readXgboostJson(JSON.stringify(doc), 'm.json')).toThrow(/objective rank:pairwise is not supported; Quantdesk imports binary:logistic, .*multi:softprob, multi:softmax/);
    // A multiclass objective needs its class count.
    doc.learner.objective.name = 'multi:softprob';
    expect(() => readXgboostJson(JSON.stringify(doc), 'm.json')).toThrow(/m\.json: learner_model_param\.num_class is 0 for objective multi:softprob; expected a whole number of classes from 3 to 1000/);
  });

  it('reads base_score as XGBoost 1.x–2.x (a number string) and 3.1+ (a bracketed array) write it, and refuses anything else by name', () => {
    for (const raw of ['5E-1', '[5E-1]', ' [ 5E-1 ] ', 0.5]) expect(baseScore(raw, 'm.json')).toBe(0.5);
    expect(baseScore('[3.9882263E1]', 'm.json')).toBe(Math.fround(39.882263));
    expect(baseScore('[-1E2]', 'm.json')).toBe(-100);
    expect(baseScore(undefined, 'm.json')).toBe(0.5);
    for (const raw of ['[abc]', 'abc', '[]', '', '[5E-1,5E-1]', '[NaN]', 'Infinity', null, {}, ['5E-1']]) expect(() => baseScore(raw, 'm.json'), JSON.stringify(raw)).toThrow(/m\.json: learner_model_param\.base_score is .*; expected (one finite number|finite numbers)/);
    const doc = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'xgb3-binary-logistic.json'), 'utf8'));
    doc.learner.learner_model_param.base_score = '[oops]';
    expect(() => readXgboostJson(JSON.stringify(doc), 'x.json')).toThrow(/x\.json: learner_model_param\.base_score is "\[oops\]"/);
    for (const [objective, bad] of [['binary:logistic', '[1E0]'], ['reg:logistic', '[0E0]'], ['count:poisson', '[-2E0]']]) {
      doc.learner.objective.name = objective;
      doc.learner.learner_model_param.base_score = bad;
      expect(() => readXgboostJson(JSON.stringify(doc), 'x.json'), objective).toThrow(new RegExp(`x\\.json: learner_model_param\\.base_score -?\\d+ is outside what ${objective} allows`));
    }
    doc.learner.objective.name = 'binary:logistic';
    doc.learner.learner_model_param.base_score = '[5E-1]';
    doc.learner.learner_model_param.num_target = '2';
    expect(() => readXgboostJson(JSON.stringify(doc), 'x.json')).toThrow(/x\.json: a model with 2 targets/);
  });

  it('reads the bare NaN and Infinity XGBoost 1.x writes, outside strings only', () => {
    expect(JSON.parse(nonFiniteAsNull('{"a":[NaN,1,-Infinity,Infinity],"b":"NaN, Infinity","c":"q\\"NaN"}'))).toEqual({ a: [null, 1, null, null], b: 'NaN, Infinity', c: 'q"NaN' });
  });

  it('refuses categorical splits whose category lists do not hold together, naming the tree', () => {
    const doc = JSON.parse(nonFiniteAsNull(fs.readFileSync(path.join(FIXTURES, 'xgb-categorical.json'), 'utf8')));
    const tree = (d: typeof doc) => d.learner.gradient_booster.model.trees[0];
    const edit = (f: (t: Record<string, number[]>) => void): string => {
      const d = structuredClone(doc);
      f(tree(d));
      return JSON.stringify(d);
    };
    expect(() => readXgboostJson(edit((t) => (t.categories_sizes![0] = 99)), 'c.json')).toThrow(/c\.json: tree 0: node 0's categories run past the categories list/);
    expect(() => readXgboostJson(edit((t) => (t.categories_nodes = [])), 'c.json')).toThrow(/c\.json: tree 0: categories_nodes, categories_segments and categories_sizes differ in length/);
    expect(() => readXgboostJson(edit((t) => (t.categories = [-1])), 'c.json')).toThrow(/c\.json: tree 0: has categorical splits but categories is not a list of whole numbers/);
    expect(() => readXgboostJson(edit((t) => (t.categories![0] = 1 << 24)), 'c.json')).toThrow(/past category 2\^24/);
    // A NaN threshold is a categorical node's only; on a numeric split it is refused.
    expect(() => readXgboostJson(edit((t) => (t.split_type![0] = 0)), 'c.json')).toThrow(/c\.json: tree 0 has no list of numbers split_conditions/);
  });
});
