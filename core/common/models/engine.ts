import type { ModelCheck } from './types';

/** What served a model check's batch, in words, for the CLI and the Models view. */
export function engineLine(e: ModelCheck['engine']): string {
  return e.kind === 'compiled' ? `served by compiled trees (JavaScript on the CPU; largest difference from ONNX Runtime ${e.maxDiff.toExponential(1)})` : `served by ONNX Runtime (${e.why})`;
}
