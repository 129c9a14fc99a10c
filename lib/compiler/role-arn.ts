/**
 * An IAM role ARN as STS AssumeRole takes it (any partition, a path allowed): what `runAs` names and the
 * construct's `assumableRoleArns` list.
 */
export const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** The `runAs` roles a compiled DAG's tasks name that `allowed` does not list, with the tasks naming each. */
export function unlistedRunAsRoles(
  tasks: ReadonlyArray<{ readonly id: string; readonly runAs?: string }>,
  allowed: readonly string[],
): Array<{ readonly taskId: string; readonly runAs: string }> {
  const listed = new Set(allowed);
  return tasks.flatMap((task) =>
    task.runAs !== undefined && !listed.has(task.runAs) ? [{ taskId: task.id, runAs: task.runAs }] : [],
  );
}

/**
 * A role ARN the construct's `passableRoleArns` may list: a role ARN whose name may hold `*` wildcards, as IAM
 * policy resources do (`arn:aws:iam::111122223333:role/emr-jobs-*`).
 */
export const ROLE_ARN_PATTERN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/*-]{1,512}$/;

/** Whether a role ARN is one of `patterns` (`*` matches any run of characters, as in an IAM policy's Resource). */
export function roleArnMatches(arn: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(arn),
  );
}
