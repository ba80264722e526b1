import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { predictGbdt, treeValue, type GbdtModel } from '../../common/models/gbdt';
import { withIntervalSplits, zeroBandSplit } from './interval-splits';
import { gbdtToOnnx } from './export-onnx';
import { readLightgbmText } from './import-lightgbm';
import { strictThreshold } from './float32';

const FIXTURE = path.resolve(__dirname, '../../../tests/fixtures/models/lgb-binary.txt');

describe('LightGBM text models', () => {
  it('turns x <= t (double) into the equivalent x < t′ for float32 inputs', () => {
    expect(Math.fround(50) < strictThreshold(50.000000000000007)).toBe(true);
    expect(Math.fround(-0.25) < strictThreshold(-0.25)).toBe(true);
    expect(Math.fround(-0.2499) < strictThreshold(-0.25)).toBe(false);
    // 0.1 is not a float32: its nearest float32 lies above it, so that input goes right, as LightGBM would send it.
    expect(Math.fround(0.1) < strictThreshold(0.1)).toBe(false);
    expect(Math.fround(0.0999999) < strictThreshold(0.1)).toBe(true);
  });

  it('predicts what the trees say by hand, here and through ONNX, for boundaries and missing values', async () => {
    // This fixture is written by hand to pin exact boundaries (tests/library-models.test.ts checks models LightGBM itself wrote):
    // tree 0 splits rsi_14 <= 50 (NaN left) then ibs <= 0.5 (NaN counts as 0); tree 1 splits roc_4 <= −0.25 (NaN right).
    const { model, features } = readLightgbmText(fs.readFileSync(FIXTURE, 'utf8'), 'lgb-binary.txt');
    expect(features).toEqual(['ibs', 'rsi_14', 'roc_4']);
    const rows = [
      [0.3, 40, -0.5, -0.4 + 0.2],
      [0.7, 50, 0, 0.1 - 0.3],
      [Number.NaN, Number.NaN, Number.NaN, -0.4 - 0.3],
      [0.5, 80, -0.25, 0.6 + 0.2],
      [0.5, 10, 1, -0.4 - 0.3],
    ];
    const x = [0, 1, 2].map((j) => Float64Array.from(rows, (r) => r[j]!));
    const want = rows.map((r) => 1 / (1 + Math.exp(-r[3]!)));
    const mine = predictGbdt(model as GbdtModel, x);
    want.forEach((w, i) => expect(mine[i], `row ${i}`).toBeCloseTo(w, 12));
    const session = await ort.InferenceSession.create(gbdtToOnnx(model as GbdtModel, { features, specHash: '', modelCard: 'lgb@1' }));
    const got = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => r.slice(0, 3))), [5, 3]) })).p!.data as Float32Array;
    want.forEach((w, i) => expect(Math.abs(got[i]! - w), `onnx row ${i}`).toBeLessThanOrEqual(1e-6));
    await session.release();
  });

  it('refuses what it cannot import, naming the file and what to do', () => {
    const text = fs.readFileSync(FIXTURE, 'utf8');
    expect(() => readLightgbmText('hello', 'm.txt')).toThrow(/m\.txt: not a LightGBM text model/);
    expect(() => readLightgbmText(text.replace('objective=binary sigmoid:1', 'objective=multiclassova num_class:3'), 'm.txt')).toThrow(/objective "multiclassova num_class:3" is not supported/);
    // A multiclass objective whose header does not give the class count it names.
    expect(() => readLightgbmText(text.replace('objective=binary sigmoid:1', 'objective=multiclass num_class:3'), 'm.txt')).toThrow(/m\.txt: num_class=1 and num_tree_per_iteration=1 do not fit objective "multiclass num_class:3"/);
    expect(() => readLightgbmText(text.replace('decision_type=10 2', 'decision_type=1 2'), 'm.txt')).toThrow(/m\.txt: tree 0 node 0 names category set 50(\.\d+)?, which cat_boundaries does not hold/);
  });

  it('sends zero, −0, NaN and values in the ±1e-35 zero band to the default side of a zero-as-missing split, other values by its threshold', () => {
    const text = fs.readFileSync(FIXTURE, 'utf8');
    // Tree 0's root splits rsi_14 <= 50; decision_type 4 makes it zero-as-missing with the default side right (leaf 0.6).
    const t0 = (readLightgbmText(text.replace('decision_type=10 2', 'decision_type=4 2'), 'm.txt').model as GbdtModel).trees[0]!;
    const rsi = [0, -0, Number.NaN, 1e-36, -1e-36, -3, 30, 1e-30, 60];
    const x = [Float64Array.from(rsi, () => 0.3), Float64Array.from(rsi), Float64Array.from(rsi, () => 0)];
    expect(rsi.map((_, i) => treeValue(t0, x, i))).toEqual([0.6, 0.6, 0.6, 0.6, 0.6, -0.4, -0.4, -0.4, 0.6]);
    // The split became three nodes and the left child was copied; a budget too small for the copies refuses.
    const plain = (readLightgbmText(text, 'm.txt').model as GbdtModel).trees[0]!;
    const zero = new Map([[0, zeroBandSplit(false, strictThreshold(50))]]);
    expect(withIntervalSplits(plain, zero, 100)!.feature.length).toBeGreaterThan(plain.feature.length);
    expect(withIntervalSplits(plain, zero, plain.feature.length)).toBeNull();
  });

  it('reads linear trees (linear_tree=true) and refuses damaged leaf models by name', () => {
    // LightGBM writes a linear tree's leaves as leaf_const plus leaf_coeff on leaf_features after is_linear=1.
    const file = path.join(path.dirname(FIXTURE), 'lgb-cli-regression.txt');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/is_linear=0/);
    const leafModels = (body: string): string => text.replace('is_linear=0', `is_linear=1\n${body}`);
    const good = 'leaf_const=0.1 0.2 0.3 0.4 0.5 0.6 0.7\nnum_features=1 1 1 1 1 1 0\nleaf_features=0 0 0 0 0 3\nleaf_coeff=0.5 0.5 0.5 0.5 0.5 0.5';
    const tree = (readLightgbmText(leafModels(good), 'lin.txt').model as GbdtModel).trees[0]!;
    // Leaf k sits at node (leaves − 1) + k: leaf 5 reads atr_14, leaf 6 is a constant.
    expect(Array.from(tree.linear!.features[6 + 5]!)).toEqual([3]);
    expect(tree.linear!.const[6 + 6]).toBe(0.7);
    for (const [body, re] of [
      [good.replace('0.1 0.2 0.3 0.4 0.5 0.6 0.7', '0.1 0.2'), /lin\.txt: tree 0: leaf_const and num_features need one entry per leaf \(7\); the file has 2 and 7/],
      [good.replace('leaf_features=0 0 0 0 0 3', 'leaf_features=0 0 0 0 0 9'), /lin\.txt: tree 0: leaf_features reads a feature outside the model's 4/],
      [good.replace('num_features=1 1 1 1 1 1 0', 'num_features=1 1 1 1 1 1 1'), /lin\.txt: tree 0: num_features adds up to 7 but leaf_features has 6 and leaf_coeff 6 entries/],
      [good.replace('num_features=1 1 1 1 1 1 0', 'num_features=1 1 1 1 1 1 -1'), /lin\.txt: tree 0: num_features must be whole numbers from 0 to 64/],
      [good.replace('leaf_coeff=0.5', 'leaf_coeff=nan'), /lin\.txt: tree 0: leaf_const or leaf_coeff has a value that is not a finite number/],
    ] as const) {
      expect(() => readLightgbmText(leafModels(body), 'lin.txt'), body).toThrow(re);
    }
    expect(() => readLightgbmText(text.replace('is_linear=0', 'is_linear=2'), 'lin.txt')).toThrow(/lin\.txt: tree 0: is_linear=2; expected 0 or 1/);
  });
});
