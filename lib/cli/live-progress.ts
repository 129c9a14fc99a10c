import type { TaskInstance } from '../local/run-dag.ts';
import type { colours } from './output.ts';
import { taskChangeLine } from './run-output.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Live progress of a run: one line per task state change; on a terminal, also a spinner line under them naming
 * the tasks still running, redrawn ten times a second and erased before each new line (and at the end).
 */
export class LiveProgress {
  private readonly running = new Map<string, number>();
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly c: ReturnType<typeof colours>,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly spinner = out.isTTY === true,
  ) {}

  onTaskChange = (task: TaskInstance): void => {
    const name = task.mapIndex >= 0 ? `${task.taskId}[${task.mapIndex}]` : task.taskId;
    if (task.state === 'running') this.running.set(name, Date.now());
    else this.running.delete(name);
    this.erase();
    this.out.write(`${taskChangeLine(this.c, task)}\n`);
    if (this.spinner) {
      this.draw();
      this.timer ??= setInterval(() => this.draw(), 100);
    }
  };

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.erase();
  }

  private draw(): void {
    this.erase();
    if (this.running.size === 0) return;
    const now = Date.now();
    const names = [...this.running.entries()].map(([name, since]) => `${name} ${this.c.dim(seconds(now - since))}`);
    const shown = names.length > 4 ? [...names.slice(0, 4), `+${names.length - 4} more`] : names;
    this.out.write(`${this.c.yellow(FRAMES[this.frame++ % FRAMES.length]!)} ${shown.join('  ')}`);
    this.drawn = true;
  }

  private erase(): void {
    if (!this.drawn) return;
    this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
