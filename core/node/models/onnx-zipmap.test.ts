import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { inspectOnnx } from './onnx-inspect';
import { withoutZipMap } from './onnx-zipmap';
import { buildOnnxModel } from './onnx-builder';

const FIX = path.resolve(__dirname, '../../../tests/fixtures/models');

describe('taking off sklearn-onnx ZipMap outputs', () => {
  it('makes the probability tensor the output in the ZipMap’s place, leaving every other node and output as it was', async () => {
    const zipped = fs.readFileSync(path.join(FIX, 'skl-logistic-zipmap.onnx'));
    const r = withoutZipMap(zipped)!;
    expect(r.replaced).toEqual([{ zipmap: 'output_probability', tensor: 'probabilities' }]);
    expect(inspectOnnx(r.model).operators).toEqual(['LinearClassifier', 'Normalizer']);
    const plain = await ort.InferenceSession.create(fs.readFileSync(path.join(FIX, 'skl-logistic.onnx')));
    const unzipped = await ort.InferenceSession.create(r.model);
    expect(unzipped.outputNames).toEqual(['output_label', 'probabilities']);
    const x = new ort.Tensor('float32', Float32Array.from({ length: 20 }, (_, i) => Math.sin(i) * 2), [5, 4]);
    const a = (await plain.run({ float_input: x })).probabilities!.data as Float32Array;
    const b = (await unzipped.run({ float_input: x })).probabilities!.data as Float32Array;
    expect(Array.from(b)).toEqual(Array.from(a));
    await Promise.all([plain.release(), unzipped.release()]);
  });

  it('leaves a model without a ZipMap output alone, and rejects bytes that are not a model', () => {
    expect(withoutZipMap(fs.readFileSync(path.join(FIX, 'skl-logistic.onnx')))).toBeNull();
    // A ZipMap-typed node whose output is not a graph output is not what sklearn-onnx writes: left alone.
    const inner = buildOnnxModel({ inputs: [{ name: 'x', dims: [1, 2] }], outputs: [{ name: 'y', dims: [1, 2] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    expect(withoutZipMap(inner)).toBeNull();
    const zipped = fs.readFileSync(path.join(FIX, 'skl-logistic-zipmap.onnx'));
    expect(() => withoutZipMap(zipped.subarray(0, zipped.length - 7))).toThrow(RangeError);
    expect(() => withoutZipMap(Uint8Array.of(0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f))).toThrow(RangeError);
    expect(withoutZipMap(new Uint8Array(0))).toBeNull();
  });
});
