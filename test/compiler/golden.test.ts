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
      const files = {
        [`${id}.asl.json`]: compiled.asl!,
        [`${id}.manifest.json`]: `${JSON.stringify(compiled.manifest, null, 2)}\n`,
      };
      for (const [name, content] of Object.entries(files)) {
        const path = join(GOLDEN, name);
        if (UPDATE) await writeFile(path, content);
        expect(existsSync(path), `${path} is missing: run npm run golden:update`).toBe(true);
        expect(content, `${path} differs: review, then npm run golden:update`).toBe(await readFile(path, 'utf8'));
      }
    }
  });

  it('passes asl-validator for every example', () => {
    for (const { compiled } of examples) {
      const { isValid, errorsText } = aslValidator(compiled.definition as never);
      expect(isValid, `${compiled.ir.dagId}: ${errorsText('\n')}`).toBe(true);
    }
  });

  it('gives byte-identical output when compiled again', async () => {
    const again = await compileExamples();
    expect(again.map((example) => example.compiled.asl)).toEqual(examples.map((example) => example.compiled.asl));
  });

  it('keeps every state name within 80 characters and uses JSONPath only', () => {
    for (const { compiled } of examples) {
      const text = compiled.asl!;
      for (const match of text.matchAll(/"([^"]+)": \{\n\s+"Type"/g)) expect(match[1]!.length).toBeLessThanOrEqual(80);
      expect(text).not.toContain('JSONata');
      expect(text).not.toContain('"Assign"');
    }
  });
});
