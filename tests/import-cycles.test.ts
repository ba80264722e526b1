import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { paths, tempDir } from './helpers';

// ESLint's import-x/no-cycle (in `npm test`'s lint) fails on cycles of value imports but skips
// `import type`. Types belong to one domain too: this walks every static import and re-export,
// types included, and fails on any cycle, naming its modules.

const SOURCES = ['core', 'renderer/src', 'workers', 'electron'];

/** Source files (tests aside) under the given folders, relative to the repository root. */
function sources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (/\.tsx?$/.test(e.name) && !/\.(test|e2e|fuzz\.test)\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  for (const d of SOURCES) if (fs.existsSync(path.join(root, d))) walk(d);
  return out;
}

/** Each file's relative imports and re-exports, resolved to files. */
function importGraph(root: string): Map<string, string[]> {
  const files = new Set(sources(root));
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gms)) {
      const base = path.normalize(path.join(path.dirname(f), m[1]!));
      const hit = [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), base].find((c) => files.has(c));
      if (hit) deps.push(hit);
    }
    graph.set(f, deps);
  }
  return graph;
}

/** Strongly connected components of more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        on.delete(w);
        comp.push(w);
        if (w === v) break;
      }
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('import cycles, type imports included', () => {
  it('finds none in the sources', () => {
    expect(cycles(importGraph(paths.root))).toEqual([]);
  });

  it('finds one through type imports, and one through a re-export', () => {
    const root = tempDir('qd-cycles-');
    fs.mkdirSync(path.join(root, 'core', 'common'), { recursive: true });
    fs.writeFileSync(path.join(root, 'core', 'common', 'a.ts'), "import type { B } from './b';\nexport interface A { b: B }\n");
    fs.writeFileSync(path.join(root, 'core', 'common', 'b.ts'), "import type { A } from './a';\nexport interface B { a?: A }\n");
    fs.writeFileSync(path.join(root, 'core', 'common', 'c.ts'), "export { d } from './d';\nexport const c = 1;\n");
    fs.writeFileSync(path.join(root, 'core', 'common', 'd.ts'), "import { c } from './c';\nexport const d = c + 1;\n");
    fs.writeFileSync(path.join(root, 'core', 'common', 'e.ts'), "import { c } from './c';\nexport const e = c;\n");
    expect(cycles(importGraph(root))).toEqual([
      ['core/common/a.ts', 'core/common/b.ts'],
      ['core/common/c.ts', 'core/common/d.ts'],
    ]);
  });
});
