import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../common/errors';
import { predictGbdt, predictMulticlass } from '../../common/models/gbdt';
import { readLightgbmText } from './import-lightgbm';
import { readXgboostJson, readXgboostUbjson } from './import-xgboost';
import { readCatboostDoc } from './import-catboost';
import { withoutZipMap } from './onnx-zipmap';
import { withAnyBatch } from './onnx-batch';

/**
 * Property-based fuzz of the XGBoost, LightGBM and CatBoost importers, in the `fuzz` project's small heap:
 * starting from files those libraries wrote, any field is replaced by another JSON value or an
 * extreme number, numbers in the text format by extremes or words. Each file is imported (and its
 * trees then predict in finite steps) or refused with an ApiError naming it.
 */
const FIX = path.resolve(__dirname, '../../../tests/fixtures/models');
const xgb = JSON.parse(fs.readFileSync(path.join(FIX, 'xgb-binary.json'), 'utf8')) as unknown;
const lgb = fs.readFileSync(path.join(FIX, 'lgb-binary.txt'), 'utf8');
// Trimmed to its first three trees, so edits land in linear-leaf fields often.
const lgbLinear = fs.readFileSync(path.join(FIX, 'lgb-cli-linear.txt'), 'utf8').split('Tree=3')[0]!;
const lgbCategorical = fs.readFileSync(path.join(FIX, 'lgb-cli-categorical.txt'), 'utf8').split('Tree=3')[0]!;
const BUDGET = 32 << 20;

/** Every path to a value inside a JSON document (arrays only at their first few items). */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.slice(0, 4).forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}
const xgbMulti = JSON.parse(fs.readFileSync(path.join(FIX, 'xgb3-multiclass.json'), 'utf8')) as unknown;
const xgbCategorical = JSON.parse(fs.readFileSync(path.join(FIX, 'xgb3-categorical-binary.json'), 'utf8')) as unknown;
const cb = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(FIX, 'cb-single-tree.json.gz'))).toString('utf8')) as unknown;
const cbPaths = paths(cb).filter((p) => p.length > 0);

function replaced(doc: unknown, p: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let o = copy;
  for (const k of p.slice(0, -1)) {
    // An earlier edit may have replaced what this path goes through: then it has nothing to edit.
    if (o === null || typeof o !== 'object') return copy;
    o = o[k] as Record<string | number, unknown>;
  }
  if (o !== null && typeof o === 'object') o[p[p.length - 1]!] = value;
  return copy;
}

const extreme = fc.constantFrom(-1, -2, 0, 1e9, 2 ** 31, -(2 ** 31), 1e308, Number.MAX_SAFE_INTEGER, 0.5);
const anyValue = fc.oneof(extreme, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('[5E-1]', 'NaN', '1e999', '', [], {}, null));
const rows = [Float64Array.from({ length: 4 }, (_, i) => i / 3), Float64Array.from({ length: 4 }, (_, i) => -i), Float64Array.from({ length: 4 }, () => Number.NaN)];

function importedOrRefused(read: () => ReturnType<typeof readXgboostJson>): void {
  try {
    const { model } = read();
    // A model that imports must be walkable: every tree ends in a leaf for any row.
    const x = Array.from({ length: model.nFeatures }, (_, j) => rows[j % rows.length]!);
    if (model.objective === 'multiclass') predictMulticlass(model, x);
    else predictGbdt(model, x);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    expect(e.message).toMatch(/^fuzz\.(json|txt|ubj)/);
  }
}

describe('model importer fuzz', () => {
  for (const [kind, original] of [['binary', xgb], ['multiclass', xgbMulti], ['categorical', xgbCategorical]] as const) {
    it(`XGBoost JSON (${kind}): any field replaced is imported or refused with an ApiError`, () => {
      const docPaths = paths(original).filter((p) => p.length > 0);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat({ max: docPaths.length - 1 }), anyValue), { minLength: 1, maxLength: 3 }), (edits) => {
          let doc = original;
          for (const [pi, value] of edits) doc = replaced(doc, docPaths[pi]!, value);
          importedOrRefused(() => readXgboostJson(JSON.stringify(doc), 'fuzz.json', BUDGET));
        }),
        { numRuns: 1500, seed: 18 },
      );
    });
  }

  it('CatBoost JSON: any field replaced is imported or refused with an ApiError', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: cbPaths.length - 1 }), anyValue), { minLength: 1, maxLength: 3 }), (edits) => {
        let doc = cb;
        for (const [pi, value] of edits) doc = replaced(doc, cbPaths[pi]!, value);
        importedOrRefused(() => readCatboostDoc(doc, 'fuzz.json'));
      }),
      { numRuns: 1500, seed: 18 },
    );
  });

  it('XGBoost UBJSON: bytes overwritten, cut or inserted anywhere are imported or refused with an ApiError', () => {
    const ubj = fs.readFileSync(path.join(FIX, 'xgb-binary.ubj'));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: ubj.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')), { minLength: 1, maxLength: 4 }), (edits) => {
        let b = Uint8Array.from(ubj);
        for (const [at, byte, how] of edits) {
          const i = Math.min(at, b.length - 1);
          if (how === 'set') b[i] = byte;
          else if (how === 'cut') b = b.subarray(0, i);
          else b = Uint8Array.from([...b.subarray(0, i), byte, ...b.subarray(i)]);
          if (b.length === 0) b = Uint8Array.from([byte]);
        }
        importedOrRefused(() => readXgboostUbjson(b, 'fuzz.ubj', BUDGET));
      }),
      { numRuns: 1500, seed: 18 },
    );
  });

  for (const file of ['skl-logistic-zipmap.onnx', 'sko-gb-binary.onnx']) {
    it(`ONNX rewrites (ZipMap removal, batch of one) of ${file}: bytes overwritten or cut anywhere give a model, nothing to do, or a RangeError (reported as a corrupt file)`, () => {
      const onnx = fs.readFileSync(path.join(FIX, file));
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat({ max: onnx.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 4 }), (edits) => {
          let b = Uint8Array.from(onnx);
          for (const [at, byte, cut] of edits) {
            const i = Math.min(at, b.length - 1);
            if (cut) b = b.subarray(0, i);
            else b[i] = byte;
          }
          for (const rewrite of [() => withoutZipMap(b), () => withAnyBatch(b)]) {
            try {
              const r = rewrite();
              // A rewrite only drops nodes or renames dimensions: the model stays about its size.
              if (r) expect(r.model.length).toBeLessThanOrEqual(b.length + 64);
            } catch (e) {
              expect(e).toBeInstanceOf(RangeError);
            }
          }
        }),
        { numRuns: 1000, seed: 18 },
      );
    });
  }

  for (const [kind, original] of [['binary', lgb], ['linear trees', lgbLinear], ['categorical', lgbCategorical]] as const) {
    it(`LightGBM text (${kind}): numbers replaced by extremes or words are imported or refused with an ApiError`, () => {
      const tokens = [...original.matchAll(/-?\d+(\.\d+)?(e-?\d+)?/g)].map((m) => m.index!);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat({ max: tokens.length - 1 }), fc.constantFrom('-1', '-7', '0', '999999999', '1e308', 'nan', 'x', '', '4294967295', '2147483648')), { minLength: 1, maxLength: 4 }), (edits) => {
          let text = original;
          for (const [ti, value] of edits.sort((a, b) => b[0] - a[0])) {
            const at = tokens[ti]!;
            const len = /^-?\d+(\.\d+)?(e-?\d+)?/.exec(text.slice(at))?.[0].length ?? 0;
            text = text.slice(0, at) + value + text.slice(at + len);
          }
          importedOrRefused(() => readLightgbmText(text, 'fuzz.txt', BUDGET));
        }),
        { numRuns: 1500, seed: 18 },
      );
    });
  }
});
