// ESLint rule enforcing the layer import rules of DESIGN.md §3: which folders a file may import
// from, which packages, and whether Node built-ins are allowed.
import path from 'node:path';
import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules);

/** @typedef {{ dir: string, layers: string[], typeOnlyLayers?: string[], packages: string[] | '*', node: boolean }} Layer */

/** @type {Layer[]} */
export const LAYERS = [
  { dir: 'core/common', layers: ['core/common'], packages: ['zod'], node: false },
  { dir: 'core/node', layers: ['core/common', 'core/node'], packages: '*', node: true },
  { dir: 'core/server', layers: ['core/common', 'core/node', 'core/server'], packages: '*', node: true },
  { dir: 'electron/main', layers: ['core/common', 'core/node', 'core/server', 'electron/main'], packages: '*', node: true },
  { dir: 'electron/preload', layers: ['electron/preload'], typeOnlyLayers: ['core/common'], packages: ['electron'], node: false },
  { dir: 'renderer', layers: ['renderer', 'core/common'], packages: ['react', 'react-dom', 'lightweight-charts'], node: false },
  { dir: 'workers', layers: ['workers', 'core/common', 'core/node'], packages: [], node: true },
];

const TEST_PACKAGES = ['vitest', 'fast-check', 'playwright-core', 'ws'];

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function layerOf(rel) {
  return LAYERS.find((l) => rel === l.dir || rel.startsWith(`${l.dir}/`));
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the layer import rules of DESIGN.md §3' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const layer = layerOf(file);
    if (!layer) return {};
    const isTest = /\.(test|e2e)\.tsx?$/.test(file);

    function check(node, spec, typeOnly) {
      if (typeof spec !== 'string') return;
      const report = (why) => context.report({ node, message: `${layer.dir} may not import '${spec}': ${why} (DESIGN.md §3)` });
      if (spec.startsWith('.')) {
        const target = path.relative(root, path.resolve(path.dirname(context.filename), spec)).split(path.sep).join('/');
        const to = layerOf(target);
        const allowed = to && (layer.layers.includes(to.dir) || (typeOnly && (layer.typeOnlyLayers ?? []).includes(to.dir)));
        if (!allowed) report(to ? `it is in ${to.dir}${(layer.typeOnlyLayers ?? []).includes(to.dir) ? ' (only type imports are allowed from there)' : ''}` : 'it is outside the layered folders');
        return;
      }
      const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
      if (spec.startsWith('node:') || BUILTINS.has(bare)) {
        if (!layer.node && !isTest) report('Node built-ins are not available in this layer');
        return;
      }
      const pkg = packageName(spec);
      if (isTest && TEST_PACKAGES.includes(pkg)) return;
      if (layer.packages !== '*' && !layer.packages.includes(pkg)) report(`only ${layer.packages.length ? layer.packages.join(', ') : 'no packages'} may be imported here`);
    }

    return {
      ImportDeclaration(n) {
        check(n, n.source.value, n.importKind === 'type');
      },
      ExportNamedDeclaration(n) {
        if (n.source) check(n, n.source.value, n.exportKind === 'type');
      },
      ExportAllDeclaration(n) {
        check(n, n.source.value, n.exportKind === 'type');
      },
      ImportExpression(n) {
        if (n.source.type === 'Literal') check(n, n.source.value, false);
      },
    };
  },
};
