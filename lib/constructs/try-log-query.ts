import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TRY_LOG_INSIGHTS_QUERY } from '../stack-contract/task-log-line.ts';

export interface TryLogQueryProps {
  /** Names the saved query `<prefix>/Log of one try` (a folder per Airstep in the Logs Insights console). */
  readonly namePrefix: string;
  /** The log groups task tries write to: the Lambda worker's and the Fargate worker's. */
  readonly logGroups: readonly logs.ILogGroup[];
  /** Where the link to it goes. */
  readonly dashboard: cloudwatch.Dashboard;
  /** Save the query (false on MiniStack, whose CloudFormation has no `AWS::Logs::QueryDefinition`). @default true */
  readonly saveQuery?: boolean;
}

/**
 * "The log of one try" as a saved Logs Insights query over the workers' log groups (the try's fields, from
 * lib/stack-contract/task-log-line.ts, are placeholders the user edits), and a dashboard text widget that links
 * to Logs Insights and shows the query. `airstep logs <run> <task> --stack` prints the same lines.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_Insights-Saving-Queries.html
 */
export class TryLogQuery extends Construct {
  readonly queryName: string;
  readonly query: logs.CfnQueryDefinition | undefined;

  constructor(scope: Construct, id: string, props: TryLogQueryProps) {
    super(scope, id);
    this.queryName = `${props.namePrefix}/Log of one try`;
    // The raw string (not logs.QueryString): the same text the README and the dashboard show.
    this.query =
      props.saveQuery === false
        ? undefined
        : new logs.CfnQueryDefinition(this, 'Query', {
            name: this.queryName,
            queryString: TRY_LOG_INSIGHTS_QUERY,
            logGroupNames: props.logGroups.map((group) => group.logGroupName),
          });
    const { region } = Stack.of(this);
    props.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: 24,
        height: 6,
        markdown: [
          '## Task logs',
          `[Open CloudWatch Logs Insights](https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:logs-insights) ` +
            `and run the saved query **${this.queryName}** (Queries › Saved queries), with the DAG, run, task, map ` +
            'index and try put in for the placeholders; or run `airstep logs <run> <task> [--try n] --stack`.',
          '',
          '```',
          TRY_LOG_INSIGHTS_QUERY,
          '```',
        ].join('\n'),
      }),
    );
  }
}
