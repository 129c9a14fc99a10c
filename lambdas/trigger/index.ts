import { Logger } from '@aws-lambda-powertools/logger';
import { type TriggerEvent, triggerRun } from '../../lib/runs/trigger-run.ts';
import { readStackEnv } from '../../lib/stack-contract/stack-env.ts';

const logger = new Logger();
const env = readStackEnv(['dagsTable', 'runsTable', 'queuedRunsTable']);

/** Target of DAG schedules and of `airstep trigger`: starts (or queues, or refuses) one run. */
export const handler = async (event: TriggerEvent) => {
  const result = await triggerRun(event, { dags: env.dagsTable, runs: env.runsTable, queuedRuns: env.queuedRunsTable });
  logger.info('trigger', { dagId: event.dagId, kind: event.kind, ...result });
  return result;
};
