import type { GbdtModel } from '../../common/models/gbdt';
import type { Tree } from '../../common/models/tree';
import type { OnnxAttr } from './onnx-builder';

/**
 * The ai.onnx.ml tree-ensemble attributes of trees: their nodes (BRANCH_LT, missing values to the true
 * branch where `missingLeft` says), and what each leaf adds to which target (`leafTargets(tree, node)`:
 * [target, weight] pairs).
 */
export function ensembleAttrs(trees: Tree[], leafTargets: (tree: number, node: number) => [number, number][]): { nodes: Record<string, OnnxAttr>; t: { treeIds: number[]; nodeIds: number[]; ids: number[]; weights: number[] } } {
  const a = { treeIds: [] as number[], nodeIds: [] as number[], featureIds: [] as number[], values: [] as number[], modes: [] as string[], trueIds: [] as number[], falseIds: [] as number[], missingTrue: [] as number[] };
  const t = { treeIds: [] as number[], nodeIds: [] as number[], ids: [] as number[], weights: [] as number[] };
  trees.forEach((tree, ti) => {
    for (let n = 0; n < tree.feature.length; n++) {
      const leaf = tree.feature[n]! < 0;
      a.treeIds.push(ti);
      a.nodeIds.push(n);
      a.featureIds.push(leaf ? 0 : tree.feature[n]!);
      a.values.push(leaf ? 0 : tree.threshold[n]!);
      a.modes.push(leaf ? 'LEAF' : 'BRANCH_LT');
      a.trueIds.push(leaf ? 0 : tree.left[n]!);
      a.falseIds.push(leaf ? 0 : tree.right[n]!);
      a.missingTrue.push(leaf ? 0 : (tree.missingLeft?.[n] ?? 1));
      if (leaf) {
        for (const [target, weight] of leafTargets(ti, n)) {
          t.treeIds.push(ti);
          t.nodeIds.push(n);
          t.ids.push(target);
          t.weights.push(weight);
        }
      }
    }
  });
  const nodes = {
    nodes_treeids: { ints: a.treeIds },
    nodes_nodeids: { ints: a.nodeIds },
    nodes_featureids: { ints: a.featureIds },
    nodes_values: { floats: a.values },
    nodes_modes: { strings: a.modes },
    nodes_truenodeids: { ints: a.trueIds },
    nodes_falsenodeids: { ints: a.falseIds },
    nodes_missing_value_tracks_true: { ints: a.missingTrue },
  };
  return { nodes, t };
}

/** The standard operator that turns a summed margin into a prediction, per link (none for identity). */
export const LINK_OP: Record<GbdtModel['link'], string | null> = { logistic: 'Sigmoid', exp: 'Exp', identity: null };
