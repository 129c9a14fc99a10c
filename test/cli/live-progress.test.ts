import { describe, expect, it } from 'vitest';
import { LiveProgress } from '../../lib/cli/live-progress.ts';
import { colours } from '../../lib/cli/output.ts';
import type { TaskInstance } from '../../lib/local/run-dag.ts';

/** A terminal stand-in: records what is written (no real TTY in a test runner). */
function fakeTerminal() {
  const writes: string[] = [];
  return {
    writes,
    stream: { isTTY: true, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream,
  };
}
const plain = colours({ isTTY: false } as NodeJS.WriteStream);
const task = (taskId: string, state: TaskInstance['state']): TaskInstance => ({
  taskId,
  mapIndex: -1,
  state,
  tries: 1,
});

describe('LiveProgress', () => {
  it('prints a line per state change and, on a terminal, a spinner naming the running tasks, erased at the end', async () => {
    const { writes, stream } = fakeTerminal();
    const live = new LiveProgress(plain, stream);
    live.onTaskChange(task('extract', 'running'));
    live.onTaskChange(task('load', 'running'));
    await new Promise((resolve) => setTimeout(resolve, 250));
    live.onTaskChange(task('extract', 'success'));
    live.stop();

    const lines = writes.filter((text) => text.endsWith('\n'));
    expect(lines.map((line) => line.replace(/\s+/g, ' ').trim())).toEqual([
      'running extract',
      'running load',
      'success extract',
    ]);
    const spinners = writes.filter((text) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /.test(text));
    expect(spinners.length).toBeGreaterThanOrEqual(3);
    expect(spinners.at(0)).toMatch(/extract [\d.]+s/);
    expect(spinners.at(-1)).toMatch(/^. load [\d.]+s$/);
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('draws no spinner when the output is not a terminal', () => {
    const writes: string[] = [];
    const live = new LiveProgress(plain, { isTTY: false, write: (text: string) => writes.push(text) } as never);
    live.onTaskChange(task('extract', 'running'));
    live.stop();
    expect(writes).toEqual([expect.stringContaining('extract')]);
  });
});
