import { compileFiles } from '../../lib/cli/compile-files.ts';

/** Every example DAG under dags/, compiled once per test file. */
export async function compileExamples() {
  const files = await compileFiles(['dags']);
  return files.flatMap((file) =>
    file.compiled.map((compiled) => ({ file: file.file, compiled, fileProblems: file.problems })),
  );
}
