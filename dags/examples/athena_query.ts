import { GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { dag } from 'airstep';

/**
 * Any AWS API as a step, typed from the AWS SDK: a daily Athena query over the day's partition, run to its end
 * by Step Functions' optimised integration (`athena:startQueryExecution.sync`), then its first rows read with
 * `athena:getQueryResults`. No worker runs. `tsc` checks each input against the SDK command's input type; strings
 * may hold `{{ templates }}`. The stack must allow the actions: the Airstep construct's `awsSdkPermissions`.
 */
const daily = dag({
  id: 'athena_query',
  schedule: '@daily',
  startDate: '2026-11-01',
  tags: ['example', 'native', 'athena'],
  params: {
    database: { type: 'string', default: 'sales' },
    workGroup: { type: 'string', default: 'primary' },
    // An example bucket the default stack lets the state machines write (Athena writes results as the caller).
    results: { type: 'string', default: 's3://airstep-analytics/athena/revenue' },
  },
});

const query = daily.awsSdk(
  'revenue_by_region',
  StartQueryExecutionCommand,
  {
    QueryString: "SELECT region, sum(amount) AS revenue FROM orders WHERE ds = '{{ ds }}' GROUP BY region",
    QueryExecutionContext: { Database: '{{ params.database }}' },
    WorkGroup: '{{ params.workGroup }}',
    ResultConfiguration: { OutputLocation: '{{ params.results }}/{{ ds_nodash }}/' },
  },
  { sync: true, retries: 2, retryDelay: '1 minute' },
);

daily.awsSdk(
  'first_rows',
  GetQueryResultsCommand,
  { QueryExecutionId: '{{ xcom.revenue_by_region.QueryExecution.QueryExecutionId }}', MaxResults: 10 },
  { upstream: query },
);

export default daily;
