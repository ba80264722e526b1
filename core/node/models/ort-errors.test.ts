import { describe, expect, it } from 'vitest';
import { readableOrtError } from './ort-errors';

describe("ONNX Runtime's errors in words", () => {
  it('keeps the sentence after a failed check and drops the source path and C++ function (as onnxruntime-node 1.2x writes them)', () => {
    const webgpu =
      "/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters";
    expect(readableOrtError(webgpu)).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(readableOrtError('/onnxruntime_src/onnxruntime/core/session/inference_session.cc:2040 onnxruntime::common::Status onnxruntime::InferenceSession::Initialize() Model has no nodes')).toBe('Model has no nodes');
  });

  it('leaves plain messages alone and reads only the first line', () => {
    expect(readableOrtError('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library')).toBe('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library');
    expect(readableOrtError('no available backend found. ERR: [coreml] backend not found.\nstack…')).toBe('no available backend found. ERR: [coreml] backend not found.');
  });
});
