import { executionConsoleUrl } from '../stack-contract/console-url.ts';

export { executionConsoleUrl };

/**
 * A cloud run as `--json` prints it: with `consoleUrl`, its Step Functions console page, when it has an
 * execution (a queued run has none yet; a local run never has one).
 */
export function withConsoleUrl<T extends object>(run: T): T & { consoleUrl?: string } {
  const executionArn = (run as { executionArn?: unknown }).executionArn;
  const consoleUrl = typeof executionArn === 'string' ? executionConsoleUrl(executionArn) : undefined;
  return consoleUrl !== undefined ? { ...run, consoleUrl } : run;
}
