import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StderrTail } from '../../lib/runtime/child-process.ts';

async function tailOf(...chunks: string[]): Promise<StderrTail> {
  const stream = new PassThrough();
  const tail = new StderrTail(stream);
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await once(stream, 'end');
  return tail;
}

describe('Class: StderrTail', () => {
  it('keeps the last 4000 characters, trimmed, and the last lines on one line', async () => {
    const tail = await tailOf('x'.repeat(5000), '\nfirst\nsecond\nthird\n');
    expect(tail.text).toHaveLength(3999);
    expect(tail.text.endsWith('\nfirst\nsecond\nthird')).toBe(true);
    expect(tail.lastLines(2)).toBe('second third');
    expect(tail.outOfMemoryNote()).toBe('');
  });

  it("notes V8's out-of-memory report", async () => {
    const tail = await tailOf('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    expect(tail.outOfMemoryNote()).toBe(' (out of memory)');
  });

  it('is empty for a process without a stderr pipe', () => {
    const tail = new StderrTail(null);
    expect([tail.text, tail.lastLines(3), tail.outOfMemoryNote()]).toEqual(['', '', '']);
  });
});
