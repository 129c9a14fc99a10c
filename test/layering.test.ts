import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layout's import rules (DESIGN.md's table), read from the source: which part of the repository may import
 * which, no cycle between folders, and a worker side that never loads the compiler's front end. Type-only imports
 * count for the layering (a type names a dependency too) but not for what a process loads.
 */

/** The pure core, in order: each may import the ones before it. */
const CORE = ['lib/errors', 'lib/schedule', 'lib/sdk', 'lib/compiler'] as const;
/** What the AWS control plane builds on: the core, the task runner, DynamoDB helpers and the stack's names. */
const CONTROL_PLANE_BASE = [...CORE, 'lib/runtime', 'lib/dynamo', 'lib/stack-contract'];
const CONTROL_PLANE = ['lib/worker', 'lib/dag-sync', 'lib/runs'];

/** What each part may import, besides itself. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  'lib/errors': [],
  'lib/schedule': CORE.slice(0, 1),
  'lib/sdk': CORE.slice(0, 2),
  'lib/compiler': CORE.slice(0, 3),
  'lib/stack-contract': ['lib/errors'],
  'lib/emulator': ['lib/errors'],
  'lib/runtime': [...CORE],
  // Asset scheduling's pure decisions (condition, queue), shared by the local engine, the trigger and the CLI.
  'lib/assets': [...CORE],
  'lib/local': [...CORE, 'lib/runtime', 'lib/assets'],
  'lib/dynamo': [...CORE, 'lib/stack-contract'],
  'lib/worker': CONTROL_PLANE_BASE,
  'lib/dag-sync': CONTROL_PLANE_BASE,
  // The recorder gives back the pool slots an ended run's tries still hold; the trigger makes the same asset
  // decisions as the local engine (lib/assets).
  'lib/runs': [...CONTROL_PLANE_BASE, 'lib/worker', 'lib/assets'],
  'lib/constructs': ['lib/errors', 'lib/compiler', 'lib/stack-contract'],
  'lib/index.ts': ['lib/sdk'],
  // The UI's page (a browser bundle): its own API types, and the error root (a leaf).
  'lib/web': ['lib/errors'],
  'lib/cli': [
    ...CONTROL_PLANE_BASE,
    ...CONTROL_PLANE,
    'lib/emulator',
    'lib/local',
    'lib/constructs',
    'lib/web',
    'lib/assets',
  ],
  lambdas: [...CONTROL_PLANE_BASE, ...CONTROL_PLANE],
};

/** Compiler modules a worker may load: the worker contract and what it is made of, never the front end (zod). */
const WORKER_COMPILER_MODULES = new Set(
  [
    'worker-contract.ts',
    // What a worker answers of a task's outlet extras (the same rule the compiler reads them by).
    'outlet-extra.ts',
    'manifest.ts',
    'run-states.ts',
    'placeholders.ts',
    'fill-placeholders.ts',
    'xcom-default.ts',
    'gate-opening.ts',
  ].map((name) => `lib/compiler/${name}`),
);
/** The entry points of processes that run task tries. */
const WORKER_ENTRIES = [
  'lambdas/worker/index.ts',
  'lambdas/fargate-worker/main.ts',
  'lib/local/worker-standby.ts',
  'lib/local/worker-process.ts',
];

interface Import {
  readonly from: string;
  readonly to: string;
  /** Erased at run time: `import type`, `export type`. */
  readonly typeOnly: boolean;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') || entry.name.endsWith('.tsx') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  // `import … from`, `export … from`, a bare `import '…'`, and `import('…')`.
  const statement = /(import|export)(\s+type)?\s[^'";]*?from\s*['"](\.[^'"]+)['"]|import\s*\(?\s*['"](\.[^'"]+)['"]/g;
  for (const match of text.matchAll(statement)) {
    const specifier = match[3] ?? match[4]!;
    found.push({ from: file, to: relative('.', resolve(dirname(file), specifier)), typeOnly: match[2] !== undefined });
  }
  return found;
}

/** The part of the repository a file belongs to: `lib/<folder>`, a file directly under lib, or a top folder. */
function partOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] !== 'lib') return parts[0]!;
  return parts.length > 2 ? `lib/${parts[1]}` : file;
}

const files = ['lib', 'lambdas', 'localstack', 'bin'].flatMap(sourceFiles);
const imports = files.flatMap(importsOf);

describe('layering', () => {
  it('has a rule for every part of lib and for the Lambda handlers', () => {
    const parts = new Set(files.map(partOf).filter((part) => part.startsWith('lib') || part === 'lambdas'));
    expect([...parts].filter((part) => MAY_IMPORT[part] === undefined)).toEqual([]);
  });

  it('imports across parts only as DESIGN.md allows', () => {
    const broken = imports
      .filter((edge) => {
        const from = partOf(edge.from);
        const to = partOf(edge.to);
        if (from === to || from === 'bin' || from === 'localstack') return false;
        return !(MAY_IMPORT[from] ?? []).includes(to);
      })
      .map((edge) => `${edge.from} -> ${edge.to}`);
    expect(broken).toEqual([]);
  });

  it('never imports localstack/, the handlers, bin/ or tests from lib/', () => {
    const broken = imports
      .filter((edge) => edge.from.startsWith('lib/') && /^(localstack|lambdas|bin|test)\//.test(edge.to))
      .map((edge) => `${edge.from} -> ${edge.to}`);
    expect(broken).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const next = new Map<string, Set<string>>();
    for (const edge of imports) {
      const from = partOf(edge.from);
      const to = partOf(edge.to);
      if (from !== to) next.set(from, (next.get(from) ?? new Set()).add(to));
    }
    const cycles: string[] = [];
    const visit = (part: string, path: string[]) => {
      if (path.includes(part)) {
        cycles.push([...path.slice(path.indexOf(part)), part].join(' -> '));
        return;
      }
      for (const to of next.get(part) ?? []) visit(to, [...path, part]);
    };
    for (const part of next.keys()) visit(part, []);
    expect(cycles).toEqual([]);
  });

  it("loads none of the compiler's front end in a process that runs task tries", () => {
    const loaded = new Set<string>();
    const load = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const edge of imports) if (edge.from === file && !edge.typeOnly) load(edge.to);
    };
    for (const entry of WORKER_ENTRIES) load(entry);
    const compiler = [...loaded].filter((file) => file.startsWith('lib/compiler/'));
    expect(compiler.filter((file) => !WORKER_COMPILER_MODULES.has(file))).toEqual([]);
    expect(compiler).toContain('lib/compiler/worker-contract.ts');
  });
});
