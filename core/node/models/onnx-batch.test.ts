import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildOnnxModel } from './onnx-builder';
import { withAnyBatch } from './onnx-batch';
import { withoutZipMap } from './onnx-zipmap';

const FIX = path.resolve(__dirname, '../../../tests/fixtures/models');

describe('models declared for a batch of one row', () => {
  it('declares the first dimension of the input and outputs as a named batch, so ONNX Runtime takes many rows', async () => {
    // A regressor onnxmltools 1.3.1 wrote for sklearn-onnx's tests: input [1, 2], output [1].
    const bytes = fs.readFileSync(path.join(FIX, 'sko-gb-regression.onnx'));
    const before = await ort.InferenceSession.create(bytes);
    const x = new ort.Tensor('float32', Float32Array.from([0, 1, 1, 1, 2, 0]), [3, 2]);
    await expect(before.run({ input: x })).rejects.toThrow(/dimension|Expected: 1/i);
    const r = withAnyBatch(bytes)!;
    expect(r.changed).toEqual(['input', 'variable']);
    const after = await ort.InferenceSession.create(r.model);
    const y = (await after.run({ input: x })).variable!.data as Float32Array;
    // scikit-learn's predictions on these rows (sko-gb-regression.expected.csv).
    [61.120000926971436, 31.31000092697144, 47.57000092697144].forEach((w, i) => expect(Math.abs(y[i]! - w)).toBeLessThanOrEqual(1e-4));
    await Promise.all([before.release(), after.release()]);
  });

  it('keeps initializers listed among the inputs as they are, leaves batch-free models alone, and rejects bytes that are not a model', () => {
    // Older IR versions list constants among the graph inputs: w [1, 2] is a weight, not a batch.
    const m = buildOnnxModel({
      inputs: [
        { name: 'x', dims: [1, 2] },
        { name: 'w', dims: [1, 2] },
      ],
      outputs: [{ name: 'y', dims: [1, 2] }],
      initializers: [{ name: 'w', dims: [1, 2], data: Float32Array.from([1, 2]) }],
      nodes: [{ op: 'Mul', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    expect(withAnyBatch(m)!.changed).toEqual(['x', 'y']);
    expect(withAnyBatch(withoutZipMap(fs.readFileSync(path.join(FIX, 'skl-logistic-zipmap.onnx')))!.model)).toBeNull();
    expect(withAnyBatch(fs.readFileSync(path.join(FIX, 'skl-logistic.onnx')))).toBeNull();
    const bytes = fs.readFileSync(path.join(FIX, 'sko-gb-regression.onnx'));
    expect(() => withAnyBatch(bytes.subarray(0, bytes.length - 9))).toThrow(RangeError);
    expect(withAnyBatch(new Uint8Array(0))).toBeNull();
  });
});
