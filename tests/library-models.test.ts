import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLightgbmText } from '../core/node/models/import-lightgbm';
import { isUbjson, readXgboostJson, readXgboostUbjson } from '../core/node/models/import-xgboost';
import { expectReferencePredictions, FIXTURES } from './fixtures/models/reference';

// Models written by XGBoost and LightGBM themselves, with the predictions those libraries made
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

  it('refuses an XGBoost 3.1 multiclass model and one with categorical splits, naming what is unsupported, rather than predicting wrong', () => {
    expect(() => readXgboostJson(fs.readFileSync(path.join(FIXTURES, 'xgb3-multiclass.json'), 'utf8'), 'xgb3-multiclass.json')).toThrow(/xgb3-multiclass\.json: objective multi:softprob is not supported/);
    expect(() => readXgboostJson(fs.readFileSync(path.join(FIXTURES, 'xgb3-categorical-binary.json'), 'utf8'), 'xgb3-categorical-binary.json')).toThrow(/xgb3-categorical-binary\.json: tree \d+ has categorical splits, which are not supported/);
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
});
