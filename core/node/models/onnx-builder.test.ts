import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from './onnx-builder';

describe('ONNX models through onnxruntime-node (CPU)', () => {
  it('loads a tiny logistic model built here and predicts what the maths says', async () => {
    const w = new Float32Array([0.5, -1.25, 2]);
    const model = buildOnnxModel({
      inputs: [{ name: 'x', dims: ['batch', 3] }],
      outputs: [{ name: 'p', dims: ['batch', 1] }],
      initializers: [
        { name: 'w', dims: [3, 1], data: w },
        { name: 'b', dims: [1], data: new Float32Array([0.1]) },
      ],
      nodes: [
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['z0'] },
        { op: 'Add', inputs: ['z0', 'b'], outputs: ['z'] },
        { op: 'Sigmoid', inputs: ['z'], outputs: ['p'] },
      ],
    });
    const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
    expect(session.inputNames).toEqual(['x']);
    const x = new Float32Array([1, 2, 3, 0, 0, 0]);
    const out = await session.run({ x: new ort.Tensor('float32', x, [2, 3]) });
    const p = out.p!.data as Float32Array;
    const sig = (z: number): number => 1 / (1 + Math.exp(-z));
    expect(p[0]).toBeCloseTo(sig(0.5 - 2.5 + 6 + 0.1), 6);
    expect(p[1]).toBeCloseTo(sig(0.1), 6);
    await session.release();
  });

  it('writes float attributes (Gemm alpha) that the runtime honours', async () => {
    const model = buildOnnxModel({
      inputs: [{ name: 'a', dims: [1, 2] }],
      outputs: [{ name: 'y', dims: [1, 1] }],
      initializers: [{ name: 'B', dims: [2, 1], data: new Float32Array([1, 1]) }],
      nodes: [{ op: 'Gemm', inputs: ['a', 'B'], outputs: ['y'], attrs: { alpha: 0.5, transB: 0 } }],
    });
    const session = await ort.InferenceSession.create(model);
    const out = await session.run({ a: new ort.Tensor('float32', new Float32Array([3, 5]), [1, 2]) });
    expect((out.y!.data as Float32Array)[0]).toBeCloseTo(4, 6);
    await session.release();
  });
});
