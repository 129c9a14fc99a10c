import { styleText } from 'node:util';

/** Colours only when writing to a terminal and NO_COLOR is unset. */
export function colours(stream: NodeJS.WriteStream = process.stdout) {
  const on = stream.isTTY === true && process.env.NO_COLOR === undefined && process.env.CI === undefined;
  const paint = (style: Parameters<typeof styleText>[0]) => (text: string) => (on ? styleText(style, text) : text);
  return { red: paint('red'), green: paint('green'), yellow: paint('yellow'), dim: paint('dim'), bold: paint('bold') };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Exit codes: 0 ok, 1 the DAG (or run) has problems, 2 bad command-line input. */
export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;
