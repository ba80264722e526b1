import { describe, expect, it } from 'vitest';
import { buildOnnxModel } from './onnx-builder';
import { openSession } from './predict';
import { providersFor } from './providers';

describe('execution providers', () => {
  it('tries the fastest providers of each platform first and the CPU last', () => {
    expect(providersFor('darwin', 'arm64')).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(providersFor('linux', 'x64')).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providersFor('win32', 'x64')).toEqual(['dml', 'cpu']);
    expect(providersFor('freebsd', 'x64')).toEqual(['cpu']);
  });

  it('falls back to the CPU, saying why, when a provider cannot be used', async () => {
    const model = buildOnnxModel({ inputs: [{ name: 'x', dims: [1, 1] }], outputs: [{ name: 'y', dims: [1, 1] }], nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }] });
    const s = await openSession(model, 'dml');
    expect(s.provider).toBe('cpu');
    expect(s.fallback).toMatch(/dml is not available here/);
    await s.session.release();
    const auto = await openSession(model, 'auto');
    expect(['cuda', 'webgpu', 'cpu']).toContain(auto.provider);
    await auto.session.release();
  });
});
