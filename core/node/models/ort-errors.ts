/**
 * ONNX Runtime's error text without the C++ it carries: the source file and line, the qualified
 * function, the failed check (`/onnxruntime_src/…/webgpu_context.cc:136 onnxruntime::webgpu::…
 * adapter_result.status == … was false. Failed to get a WebGPU adapter`) → the sentence after it.
 */
export function readableOrtError(message: string): string {
  const first = message.split('\n')[0]!.trim();
  const afterCheck = /\bwas false\.\s+(.+)$/.exec(first);
  if (afterCheck) return afterCheck[1]!;
  // What remains after the path is the C++ signature (every word of it holds `::`), then the message.
  return first.replace(/^\S+\.(?:cc|cpp|h|hpp):\d+\s+/, '').replace(/^(?:\S*::\S*\s+)+/, '');
}
