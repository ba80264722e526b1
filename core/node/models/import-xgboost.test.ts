import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { predictGbdt } from '../../common/models/gbdt';
import { gbdtToOnnx } from './export-onnx';
import { readXgboostJson } from './import-xgboost';

const FIXTURES = path.resolve(__dirname, '../../../tests/fixtures/models');

function expected(name: string): { x: Float64Array[]; want: number[] } {
  const lines = fs.readFileSync(path.join(FIXTURES, `${name}.expected.csv`), 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => l.split(',').map((v) => (v === '' ? Number.NaN : Number(v))));
  return { x: [0, 1, 2, 3].map((j) => Float64Array.from(rows, (r) => r[j]!)), want: rows.map((r) => r[4]!) };
}

describe('XGBoost JSON models', () => {
  for (const name of ['xgb-binary', 'xgb-regression']) {
    it(`predicts what XGBoost predicted (${name}), here and through ONNX, missing values included`, async () => {
      const { model, features } = readXgboostJson(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'), `${name}.json`);
      expect(features).toEqual(['ibs', 'rsi_14', 'roc_4', 'atr_14']);
      const { x, want } = expected(name);
      const mine = predictGbdt(model, x);
      want.forEach((w, i) => expect(Math.abs(mine[i]! - w), `row ${i}`).toBeLessThanOrEqual(1e-5));
      const session = await ort.InferenceSession.create(gbdtToOnnx(model, { features, specHash: '', modelCard: `${name}@1` }), { executionProviders: ['cpu'] });
      const input = new Float32Array(want.length * 4);
      want.forEach((_, i) => x.forEach((col, j) => (input[i * 4 + j] = col[i]!)));
      const got = (await session.run({ x: new ort.Tensor('float32', input, [want.length, 4]) }))[session.outputNames[0]!]!.data as Float32Array;
      want.forEach((w, i) => expect(Math.abs(got[i]! - w), `onnx row ${i}`).toBeLessThanOrEqual(1e-5));
      await session.release();
    });
  }

  it('refuses files that are not supported XGBoost models, naming the file and what to do', () => {
    expect(() => readXgboostJson('{"learner":', 'm.json')).toThrow(/m\.json: not JSON/);
    expect(() => readXgboostJson('{}', 'm.json')).toThrow(/not an XGBoost model/);
    const doc = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'xgb-binary.json'), 'utf8'));
    doc.learner.objective.name = 'multi:softprob';
    expect(() => readXgboostJson(JSON.stringify(doc), 'm.json')).toThrow(/objective multi:softprob is not supported/);
  });
});
