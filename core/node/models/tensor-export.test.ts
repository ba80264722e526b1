import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { rng, trainGbdt } from '../../common/models/gbdt';
import { trainMlp } from '../../common/models/mlp';
import { assembleModel, gbdtToOnnx, mlpPart } from './export-onnx';
import { withAnyBatch } from './onnx-batch';
import { inspectOnnx } from './onnx-inspect';
import { withoutZipMap } from './onnx-zipmap';
import { nodesOffProvider, verifiedTensorExport } from './tensor-export';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'tests', 'fixtures', 'models');

describe('the tensorised export made for a registered tree model', () => {
  it('is made from the ONNX file itself (the app’s trees and sklearn-onnx’s), predicts what scikit-learn predicted, and uses no tree operator', async () => {
    const file = fs.readFileSync(path.join(FIXTURES, 'sko-gb-binary.onnx'));
    const batched = withAnyBatch(file)?.model ?? file;
    const onnx = withoutZipMap(batched)?.model ?? batched;
    const tensor = (await verifiedTensorExport(onnx, 2, { features: ['f0', 'f1'], specHash: '', modelCard: 'sko@1' }))!;
    expect(tensor).not.toBeNull();
    expect(inspectOnnx(tensor).operators.some((o) => o.startsWith('TreeEnsemble'))).toBe(false);
    const [, ...lines] = fs.readFileSync(path.join(FIXTURES, 'sko-gb-binary.expected.csv'), 'utf8').trim().split('\n');
    const rows = lines.map((l) => l.split(',').map(Number));
    const s = await ort.InferenceSession.create(tensor, { executionProviders: ['cpu'] });
    const got = (await s.run({ x: new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => r.slice(0, 2))), [rows.length, 2]) }))[s.outputNames[0]!]!.data as Float32Array;
    await s.release();
    rows.forEach((r, i) => expect(Math.abs(got[i]! - r[2]!), `row ${i}`).toBeLessThanOrEqual(1e-5));

    const next = rng(3);
    const x = Array.from({ length: 3 }, () => Float64Array.from({ length: 2000 }, () => next() * 2 - 1));
    const y = Float64Array.from(x[0]!, (v, i) => (v * x[1]![i]! > 0 ? 1 : 0));
    const meta = { features: ['a', 'b', 'c'], specHash: '', modelCard: 'g@1' };
    expect(await verifiedTensorExport(gbdtToOnnx(trainGbdt({ x, y }, { nTrees: 20, maxDepth: 6 }), meta), 3, meta)).not.toBeNull();
    expect(await verifiedTensorExport(assembleModel([mlpPart(trainMlp({ x, y }, { hidden: [4], epochs: 1 }), 'p')], 3, 'p', meta, 'binary'), 3, meta)).toBeNull();
  });

  it('serves a GPU provider only when every node of it is placed there', () => {
    const placed = (nodes: [string, string][]) => ({ asked: 'cuda', summary: '', nodes: nodes.map(([op, provider]) => ({ op, provider, count: 2 })) });
    expect(nodesOffProvider(placed([['Gather', 'cuda'], ['MemcpyToHost', 'cpu'], ['ReduceSum', 'cuda']]))).toEqual([]);
    expect(nodesOffProvider(placed([['Gather', 'cuda'], ['GatherElements', 'cpu']]))).toEqual(['GatherElements × 2']);
  });
});
