/**
 * Fargate's CPU and memory pairs (Linux): per CPU size, the memory it can have, in MiB. A task runs with the size
 * it declares (RunTask overrides); the half it leaves out is the smallest that fits the other half.
 * @see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
const MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: steps(1024, 4096),
  1024: steps(2048, 8192),
  2048: steps(4096, 16_384),
  4096: steps(8192, 30_720),
};

function steps(from: number, to: number): number[] {
  return Array.from({ length: (to - from) / 1024 + 1 }, (_, index) => from + index * 1024);
}

const DEFAULT_FARGATE_SIZE = { cpu: 256, memory: 512 } as const;

export type FargateSize = { readonly cpu: number; readonly memory: number };

/**
 * The size a Fargate task runs with, from the `cpu` and `memory` it declares (either, both or neither), or why
 * Fargate has no such size. CPU values outside Fargate's sizes are refused by the option schema before this.
 */
export function fargateSize(cpu: number | undefined, memory: number | undefined): FargateSize | { problem: string } {
  if (cpu === undefined && memory === undefined) return DEFAULT_FARGATE_SIZE;
  if (cpu !== undefined) {
    const allowed = MEMORY_BY_CPU[cpu];
    if (allowed === undefined) return { problem: `Fargate has no ${cpu} CPU size` };
    if (memory === undefined) return { cpu, memory: allowed[0]! };
    if (allowed.includes(memory)) return { cpu, memory };
    return { problem: `${cpu} CPU units need ${describe(allowed)} of memory on Fargate, got ${memory}` };
  }
  const fit = Object.entries(MEMORY_BY_CPU).find(([, allowed]) => allowed.includes(memory!));
  if (fit !== undefined) return { cpu: Number(fit[0]), memory: memory! };
  return {
    problem: `Fargate has no size with ${memory} MiB of memory (512, 1024, 2048, then steps of 1024 up to 30720)`,
  };
}

/** The size a checked task runs with (one Fargate lacks was reported by the checks; the default stands in). */
export function fargateRunSize(options: { readonly cpu?: number; readonly memory?: number } | undefined): FargateSize {
  const size = fargateSize(options?.cpu, options?.memory);
  return 'problem' in size ? DEFAULT_FARGATE_SIZE : size;
}

function describe(allowed: readonly number[]): string {
  return allowed.length <= 3
    ? `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]} MiB`
    : `${allowed[0]} to ${allowed[allowed.length - 1]} MiB (in steps of 1024)`;
}
