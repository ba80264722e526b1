import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOnnxModel } from './onnx-builder';
import { placementOf, summarisePlacement } from './placement';

describe('where ONNX Runtime ran a model’s nodes', () => {
  it('says a GPU provider ran tree operators on the CPU, and why, instead of naming the provider asked for', () => {
    const tree = [
      { op: 'TreeEnsembleClassifier', provider: 'cpu', count: 1 },
      { op: 'ZipMap', provider: 'cpu', count: 1 },
    ];
    expect(summarisePlacement('cuda', tree)).toBe('ran on CPU (tree operators have no GPU kernels: TreeEnsembleClassifier, ZipMap)');
    expect(summarisePlacement('cpu', tree)).toBe('ran on CPU (2 nodes)');
    expect(summarisePlacement('webgpu', [{ op: 'Relu', provider: 'cpu', count: 3 }])).toBe('ran on CPU (ONNX Runtime placed none of its 3 nodes on webgpu)');
    expect(summarisePlacement('cuda', [{ op: 'MatMul', provider: 'cuda', count: 2 }, { op: 'Gather', provider: 'cuda', count: 1 }])).toBe('ran on cuda (all 3 nodes)');
    expect(summarisePlacement('cuda', [{ op: 'MatMul', provider: 'cuda', count: 2 }, { op: 'TreeEnsembleRegressor', provider: 'cpu', count: 1 }])).toBe('2 of 3 nodes on cuda; on CPU: TreeEnsembleRegressor (tree operators have no GPU kernels)');
    expect(summarisePlacement('cuda', [])).toBe('no node ran (the profile recorded no kernel)');
  });

  it('reads the runtime’s own profile of one inference: every node with the provider that ran it, and leaves no profile behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-placement-'));
    const model = buildOnnxModel({
      inputs: [{ name: 'x', dims: ['batch', 3] }],
      outputs: [{ name: 'y', dims: ['batch', 3] }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'Neg', inputs: ['r'], outputs: ['n'] },
        { op: 'Relu', inputs: ['n'], outputs: ['y'] },
      ],
    });
    const p = await placementOf(model, 'cpu', dir);
    expect(p.asked).toBe('cpu');
    expect(p.nodes).toEqual([
      { op: 'Neg', provider: 'cpu', count: 1 },
      { op: 'Relu', provider: 'cpu', count: 2 },
    ]);
    expect(p.summary).toBe('ran on CPU (3 nodes)');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
