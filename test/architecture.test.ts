// The layering the project promises: the engine (src/) knows no app, and no module reaches itself through its
// imports. Read from the source text, so a new file or import is checked without anyone listing it here.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SCANNED = ['src', 'functions', 'cli', 'sandbox', 'infra', 'bench', 'scripts'];
const APPS = ['functions', 'cli', 'sandbox', 'infra'];
const SKIPPED_DIRS = new Set(['node_modules', 'cdk.out', 'dist']);

/** Every .ts file under `dir`, as a path relative to the repository root with `/` separators. */
function tsFilesUnder(dir: string): string[] {
  const absolute = join(ROOT, dir);
  if (!existsSync(absolute)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(absolute)) {
    if (SKIPPED_DIRS.has(entry)) continue;
    const path = join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) files.push(...tsFilesUnder(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) files.push(path.split('\\').join('/'));
  }
  return files;
}

/** The repository file a relative specifier names, or undefined for a package (or a file that is not .ts). */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = join(dirname(join(ROOT, from)), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  const found = candidates.find(
    (path) => path.endsWith('.ts') && existsSync(path) && statSync(path).isFile(),
  );
  return found === undefined ? undefined : relative(ROOT, found).split('\\').join('/');
}

// The installed TypeScript (7, the native compiler) has no JS API such as preProcessFile, so the specifiers are
// read with patterns: statements that start a line (`import … from`, `export … from`, `import '…'`, multi-line
// lists included) and `import('…')` anywhere. A commented-out import (`// import …`) does not start its line
// with `import`, so it is not read.
const STATIC_IMPORT = /^[ \t]*(?:(?:import|export)\b[^;'"]*?\bfrom\s*|import\s*)['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The module specifiers a source text imports or re-exports from. */
function specifiersOf(source: string): string[] {
  return [...source.matchAll(STATIC_IMPORT), ...source.matchAll(DYNAMIC_IMPORT)].map(
    (match) => match[1] as string,
  );
}

/** file → the repository files it imports (static, type-only, export-from and dynamic imports alike). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of SCANNED.flatMap(tsFilesUnder)) {
    const specifiers = specifiersOf(readFileSync(join(ROOT, file), 'utf8'));
    const targets = specifiers.flatMap((specifier) => resolveSpecifier(file, specifier) ?? []);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Each import circle once, as the files along it (first file repeated at the end); Tarjan's components. */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) as number, index.get(next) as number));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component = new Set<string>();
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.add(member);
    } while (member !== file);
    if (component.size > 1 || (graph.get(file) ?? []).includes(file))
      cycles.push(pathThrough(graph, component));
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return cycles;
}

/** One concrete circle inside a strongly connected component, so the message names real import lines. */
function pathThrough(
  graph: ReadonlyMap<string, readonly string[]>,
  component: ReadonlySet<string>,
): string[] {
  const start = [...component].sort()[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const next of graph.get(file) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = file; at !== start; at = previous.get(at) as string) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

describe('architecture', () => {
  const graph = importGraph();

  it('reads the source tree', () => {
    // A broken walk would make both checks below pass vacuously.
    expect(graph.has('src/kube/kube-object.ts')).toBe(true);
    expect(graph.get('sandbox/kube/kube-object.ts')).toContain('src/kube/kube-object.ts');
  });

  it('keeps the engine free of the apps: nothing under src/ imports functions/, cli/, sandbox/ or infra/', () => {
    const violations = [...graph].flatMap(([file, targets]) =>
      file.startsWith('src/')
        ? targets
            .filter((target) => APPS.some((app) => target.startsWith(`${app}/`)))
            .map((t) => `${file} → ${t}`)
        : [],
    );
    expect(violations, `engine files importing an app:\n${violations.join('\n')}`).toEqual([]);
  });

  it('has no import circle', () => {
    const cycles = importCycles(graph).map((cycle) => cycle.join(' → '));
    expect(cycles, `import circles:\n${cycles.join('\n')}`).toEqual([]);
  });
});

describe('specifiersOf', () => {
  it('reads static, multi-line, type-only, re-export, side-effect and dynamic imports', () => {
    const source = [
      "import { a } from './a.ts';",
      'import {',
      '  b,',
      '  type C,',
      "} from '../b.ts';",
      "import type { D } from './d.ts';",
      "export { e } from './e.ts';",
      "export * from './f.ts';",
      "import './g.ts';",
      "const h = await import('./h.ts');",
      "const text = 'import nothing';",
      "export const name = 'not-a-module';",
      "// import { old } from './old.ts';",
    ].join('\n');
    expect(specifiersOf(source)).toEqual([
      './a.ts',
      '../b.ts',
      './d.ts',
      './e.ts',
      './f.ts',
      './g.ts',
      './h.ts',
    ]);
  });
});

describe('importCycles', () => {
  it('finds a circle and a self-import, and nothing in a tree', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(importCycles(graph)).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['e.ts', 'e.ts'],
    ]);
    expect(
      importCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toEqual([]);
  });
});

describe('src/failover/ports/', () => {
  // The single ports file grew to hundreds of lines of unrelated interfaces; one file per port keeps each
  // readable on its own, and the bound stops one of them becoming the next catch-all.
  const MAX_PORT_LINES = 250;
  const ports = tsFilesUnder('src/failover/ports');

  it('replaces the single ports file', () => {
    expect(existsSync(join(ROOT, 'src', 'failover', 'ports.ts'))).toBe(false);
    // An empty or missing directory would make the size check below pass vacuously.
    expect(ports).toContain('src/failover/ports/dns.ts');
  });

  it.each(ports)(`%s has at most ${MAX_PORT_LINES} lines`, (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
    expect(lines, file).toBeLessThanOrEqual(MAX_PORT_LINES);
  });
});
