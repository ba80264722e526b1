import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readXgboostJson } from './import-xgboost';

const FIXTURES = path.resolve(__dirname, '../../../tests/fixtures/models');

describe('XGBoost JSON models', () => {
  it('refuses files that are not supported XGBoost models, naming the file and what to do', () => {
    expect(() => readXgboostJson('{"learner":', 'm.json')).toThrow(/m\.json: not JSON/);
    expect(() => readXgboostJson('{}', 'm.json')).toThrow(/not an XGBoost model/);
    const doc = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'xgb-binary.json'), 'utf8'));
    doc.learner.objective.name = 'multi:softprob';
    expect(() => readXgboostJson(JSON.stringify(doc), 'm.json')).toThrow(/objective multi:softprob is not supported/);
  });
});
