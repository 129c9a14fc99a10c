import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileExamples } from '../helpers/example-dags.ts';

/**
 * Golden files: the exact ASL and manifest of every example DAG. They change only through
 * `npm run golden:update`, so every change to the compiler's output shows up in review as a diff.
 */
const GOLDEN = 'test/golden';
const UPDATE = process.env.AIRSTEP_UPDATE_GOLDEN === '1';
/**
 * Above this, a golden file is pinned by its digest and size (`<name>.sha256`) instead of its text: a big DAG's
 * child state machines are megabytes nobody reviews as a diff, yet any change to them still fails the test.
 */
const PINNED_ABOVE = 256 * 1024;

/** The golden file for `content`: itself, or its digest when it is too big to keep as text. */
function golden(name: string, content: string): { name: string; content: string } {
  if (Buffer.byteLength(content, 'utf8') <= PINNED_ABOVE) return { name, content };
  const sha256 = createHash('sha256').update(content).digest('hex');
  return { name: `${name}.sha256`, content: `${sha256}  ${Buffer.byteLength(content, 'utf8')} bytes\n` };
}

let examples: Awaited<ReturnType<typeof compileExamples>>;

beforeAll(async () => {
  examples = await compileExamples();
  if (UPDATE) await mkdir(GOLDEN, { recursive: true });
});

describe('Compiler: example DAGs', () => {
  it('compiles every example without problems', () => {
    const problems = examples.flatMap((example) => [...example.fileProblems, ...example.compiled.problems]);
    expect(problems).toEqual([]);
    expect(examples.length).toBeGreaterThanOrEqual(12);
  });

  it('matches the golden ASL and manifest of every example', async () => {
    for (const { compiled } of examples) {
      const id = compiled.ir.dagId;
      const files = [
        golden(`${id}.asl.json`, compiled.asl!),
        golden(`${id}.manifest.json`, `${JSON.stringify(compiled.manifest, null, 2)}\n`),
        // A DAG split into a parent and children: each child's ASL too.
        ...(compiled.children ?? []).map((child) => golden(`${id}.${child.name}.asl.json`, child.asl!)),
      ];
      for (const { name, content } of files) {
        const path = join(GOLDEN, name);
        if (UPDATE) await writeFile(path, content);
        expect(existsSync(path), `${path} is missing: run npm run golden:update`).toBe(true);
        expect(content, `${path} differs: review, then npm run golden:update`).toBe(await readFile(path, 'utf8'));
      }
    }
  });

  it('passes asl-validator for every example', () => {
    for (const { compiled } of examples) {
      for (const [name, definition] of [
        [compiled.ir.dagId, compiled.definition],
        ...(compiled.children ?? []).map((child) => [`${compiled.ir.dagId} ${child.name}`, child.definition] as const),
      ] as const) {
        const { isValid, errorsText } = aslValidator(definition as never);
        expect(isValid, `${name}: ${errorsText('\n')}`).toBe(true);
      }
    }
  });

  it('gives byte-identical output when compiled again', async () => {
    const again = await compileExamples();
    const texts = (of: typeof examples) =>
      of.map((example) => [example.compiled.asl, ...(example.compiled.children ?? []).map((child) => child.asl)]);
    expect(texts(again)).toEqual(texts(examples));
  });

  it('keeps every state name within 80 characters and uses JSONPath only', () => {
    for (const text of examples.flatMap(({ compiled }) => [
      compiled.asl!,
      ...(compiled.children ?? []).map((child) => child.asl!),
    ])) {
      for (const match of text.matchAll(/"([^"]+)": \{\n\s+"Type"/g)) expect(match[1]!.length).toBeLessThanOrEqual(80);
      expect(text).not.toContain('JSONata');
      expect(text).not.toContain('"Assign"');
    }
  });
});
