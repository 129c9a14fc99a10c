import { describe, expect, it } from 'vitest';
import { stripTypes } from '../../lib/dag-sync/strip-types.ts';

describe('Function: stripTypes', () => {
  it('takes a JavaScript DAG file (an `airstep sync` bundle) byte for byte, with nothing to strip', async () => {
    // Spacing no transform would keep: the text comes back untouched.
    const bundle = "import {dag} from 'airstep';export default dag({id:'x'})  ;";
    expect(await stripTypes(bundle, 'dags/x.mjs')).toBe(bundle);
    expect(await stripTypes(bundle, 'dags/x.js')).toBe(bundle);
  });

  it('erases the types of a TypeScript DAG file', async () => {
    const stripped = await stripTypes('const limit: number = 3;\nexport default limit;\n', 'dags/x.ts');
    expect(stripped).not.toContain(': number');
    expect(stripped).toContain('limit');
  });
});
