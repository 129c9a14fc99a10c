import { Logger } from '@aws-lambda-powertools/logger';
import { readStackEnv } from '../../lib/runtime/stack-env.ts';
import { type TriggerEvent, triggerRun } from '../../lib/runtime/trigger-run.ts';

const logger = new Logger();
const env = readStackEnv(['dagsTable', 'runsTable', 'queuedRunsTable']);

/** Target of DAG schedules and of `airstep trigger`: starts (or queues, or refuses) one run. */
export const handler = async (event: TriggerEvent) => {
  const result = await triggerRun(event, { dags: env.dagsTable, runs: env.runsTable, queuedRuns: env.queuedRunsTable });
  logger.info('trigger', { dagId: event.dagId, kind: event.kind, ...result });
  return result;
};
