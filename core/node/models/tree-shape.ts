import { ApiError } from '../../common/errors';
import type { Tree } from '../../common/models/tree';

/**
 * Checks a tree read from another tool's file before anything runs it: every node array as long as
 * the others, each split's children inside the tree, every node reached once from the root (no
 * cycle, no shared child, so walking it always ends), split features inside the model's, thresholds
 * and leaf values numbers. Refusals name the file, the tree and the node.
 */
export function checkTreeShape(t: Tree, nFeatures: number, file: string, ti: number): void {
  const bad = (why: string): ApiError => new ApiError('invalid_argument', `${file}: tree ${ti} ${why}; the file is damaged or was not written by the tool it claims`, 'file');
  const n = t.feature.length;
  if (n === 0) throw bad('has no nodes');
  if ([t.threshold, t.left, t.right, t.value, ...(t.missingLeft ? [t.missingLeft] : [])].some((a) => a.length !== n)) throw bad('has node arrays of different lengths');
  const seen = new Uint8Array(n);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const k = stack.pop()!;
    if (t.feature[k]! < 0) {
      if (!Number.isFinite(t.value[k]!)) throw bad(`leaf ${k} has the value ${t.value[k]}`);
      continue;
    }
    if (t.feature[k]! >= nFeatures) throw bad(`node ${k} splits on feature ${t.feature[k]}, outside the model's ${nFeatures}`);
    if (Number.isNaN(t.threshold[k]!)) throw bad(`node ${k} has no threshold (NaN)`);
    for (const c of [t.left[k]!, t.right[k]!]) {
      if (!(c >= 0 && c < n)) throw bad(`node ${k} has child ${c}, outside its ${n} nodes`);
      if (seen[c]) throw bad(`node ${k} leads back to node ${c} (a cycle or a shared child)`);
      seen[c] = 1;
      stack.push(c);
    }
  }
}
