import branching from '../../../dags/examples/branching.ts';
import csvToJson from '../../../dags/examples/csv_to_json.ts';
import mapping from '../../../dags/examples/dynamic_mapping.ts';
import firstToFinish from '../../../dags/examples/first_to_finish.ts';
import { generated } from '../../../dags/examples/generated_dags.ts';
import nativeSteps from '../../../dags/examples/native_steps.ts';
import nonSeriesParallel from '../../../dags/examples/non_series_parallel.ts';
import pools from '../../../dags/examples/pools.ts';
import sensorIngestion from '../../../dags/examples/s3_key_sensor_ingestion.ts';
import groups from '../../../dags/examples/task_groups.ts';
import weather from '../../../dags/examples/weather_etl.ts';
import medallion from '../../../dags/s3_medallion_ingestion.ts';
import { dag } from '../../../lib/sdk/dag.ts';
import { manualContext } from '../../helpers/run-context.ts';
import { runFunction } from '../harness/behaviour.ts';
import type { DifferentialCase } from '../harness/case.ts';

/**
 * The example DAGs, each task running its own function through the shared task runner on both sides (the
 * functions that read S3 read the emulator's, seeded with `dags/_data/raw` and the day's export). The run date
 * is 2026-11-22, a Sunday.
 */
export const EXPORT_KEY = 'exports/2026-11-22/export.json';
export const EXPORT_ROWS = [{ id: 1 }, { id: 2 }, { id: 3 }];

/** A Monday run, so `branching` takes its incremental path. */
function mondayContext(dag: typeof branching) {
  const at = '2026-11-23T06:00:00+00:00';
  return {
    ...manualContext(dag),
    runId: `manual__${at}`,
    logicalDate: at,
    ds: '2026-11-23',
    dsNodash: '20261123',
    ts: at,
    dataIntervalStart: at,
    dataIntervalEnd: at,
  };
}

const ok = { state: 'success', try: 1 } as const;

/** Example DAGs that are chains of worker tasks (and native steps moto serves or not, as named). */
export function chainExampleCases(): DifferentialCase[] {
  return [
    ...generated.map(
      (dag): DifferentialCase => ({
        name: `example ${dag.id}`,
        dag,
        defaultBehaviour: runFunction(),
        expected: {
          status: 'SUCCEEDED',
          tasks: {
            extract: { ...ok, output: { source: dag.id.replace('ingest_', ''), ds: '2026-11-22' } },
            load: ok,
          },
          tries: { extract: 1, load: 1 },
        },
      }),
    ),
    {
      name: 'example weather_etl (reads and writes S3)',
      dag: weather,
      defaultBehaviour: runFunction(),
      expected: {
        status: 'SUCCEEDED',
        tasks: { extract: ok, transform: ok, load: ok },
        tries: { extract: 1, transform: 1, load: 1 },
      },
    },
    {
      name: 'example csv_to_json (worker task, then a native S3 copy)',
      dag: csvToJson,
      defaultBehaviour: runFunction(),
      native: true,
      // moto 5.2.5: aws-sdk:s3:copyObject runs, then DescribeExecution fails with HTTP 500 (LastModified).
      motoGaps: ['s3-result-timestamps'],
      expected: {
        status: 'SUCCEEDED',
        tasks: { convert: ok, archive_source: { state: 'success' } },
        tries: { convert: 1 },
      },
    },
    {
      name: 's3Sensor with a prefix: any object under it will do (the export is there at the first poke)',
      dag: prefixSensor(),
      defaultBehaviour: runFunction(),
      native: true,
      motoGaps: ['s3-result-timestamps'],
      ministackGaps: ['sdk-numbers-as-strings'],
      expected: {
        status: 'SUCCEEDED',
        tasks: { wait_for_any: { state: 'success', output: { key: EXPORT_KEY } } },
      },
    },
    {
      name: 'example s3_key_sensor_ingestion (the export is there at the first poke)',
      dag: sensorIngestion,
      defaultBehaviour: runFunction(),
      native: true,
      // moto 5.2.5: aws-sdk:s3:listObjectsV2 that finds the key, then DescribeExecution fails with HTTP 500.
      motoGaps: ['s3-result-timestamps'],
      // MiniStack 1.5.33: KeyCount comes back as "1", so the sensor's numeric check never finds the key.
      ministackGaps: ['sdk-numbers-as-strings'],
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          wait_for_export: { state: 'success', output: { key: EXPORT_KEY } },
          ingest_export: ok,
        },
        tries: { ingest_export: 1 },
      },
    },
  ];
}

/** Example DAGs with independent branches: they compile to Parallel states (moto 5.2.5 cannot merge them). */
export function parallelExampleCases(services: { topicArn: string }): DifferentialCase[] {
  const parallel = ['parallel-merge'] as const;
  return [
    {
      name: 'example branching on a Sunday (full load)',
      dag: branching,
      defaultBehaviour: runFunction(),
      motoGaps: parallel,
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          choose_path: { ...ok, follow: { full_load: true, incremental_load: false } },
          full_load: { ...ok, output: { mode: 'full', ds: '2026-11-22' } },
          incremental_load: { state: 'skipped', output: null },
          report: ok,
        },
        tries: { choose_path: 1, full_load: 1, report: 1 },
      },
    },
    {
      name: 'example branching on a Monday (incremental load)',
      dag: branching,
      ctx: mondayContext(branching),
      defaultBehaviour: runFunction(),
      motoGaps: parallel,
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          choose_path: { ...ok, follow: { full_load: false, incremental_load: true } },
          full_load: { state: 'skipped', output: null },
          incremental_load: { ...ok, output: { mode: 'incremental', ds: '2026-11-23' } },
          report: ok,
        },
        tries: { choose_path: 1, incremental_load: 1, report: 1 },
      },
    },
    {
      name: 'example dynamic_mapping',
      dag: mapping,
      defaultBehaviour: runFunction(),
      motoGaps: parallel,
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          list_partitions: ok,
          process_partition: {
            state: 'success',
            output: [
              { region: 'eu-west', rows: 70, index: 0 },
              { region: 'eu-central', rows: 100, index: 1 },
              { region: 'us-east', rows: 70, index: 2 },
              { region: 'ap-south', rows: 80, index: 3 },
            ],
          },
          combine: ok,
          notify_channels: { state: 'success' },
        },
        tries: {
          list_partitions: 1,
          'process_partition[0]': 1,
          'process_partition[1]': 1,
          'process_partition[2]': 1,
          'process_partition[3]': 1,
          combine: 1,
          'notify_channels[0]': 1,
          'notify_channels[1]': 1,
        },
      },
    },
    {
      name: 'example non_series_parallel (gates)',
      dag: nonSeriesParallel,
      defaultBehaviour: runFunction(),
      motoGaps: parallel,
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          slow: { ...ok, output: 'slow done' },
          fast: { ...ok, output: 'fast done' },
          join: ok,
          after_fast: ok,
        },
        tries: { slow: 1, fast: 1, join: 1, after_fast: 1 },
      },
    },
    {
      name: 'example first_to_finish (one_success / one_failed joins decided early)',
      dag: firstToFinish,
      defaultBehaviour: runFunction(),
      motoGaps: parallel,
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          fetch_primary: ok,
          fetch_backup: ok,
          publish: ok,
          page_on_call: { state: 'skipped' },
          verify_backup: ok,
        },
        tries: { fetch_primary: 1, fetch_backup: 1, publish: 1, verify_backup: 1 },
      },
    },
    {
      name: 'example pools',
      dag: pools,
      defaultBehaviour: runFunction(),
      motoGaps: parallel,
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          extract_accounts: ok,
          extract_invoices: ok,
          extract_payments: ok,
          extract_refunds: ok,
          extract_ledger: ok,
          reconcile: ok,
        },
      },
    },
    {
      name: 'example task_groups',
      dag: groups,
      defaultBehaviour: runFunction(),
      motoGaps: parallel,
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          start: { state: 'success', output: null },
          'extract.customers': ok,
          'extract.orders': ok,
          'transform.clean': ok,
          'transform.checks.row_counts': ok,
          'transform.checks.nulls': ok,
          publish: ok,
        },
      },
    },
    {
      name: 'the medallion pipeline (reads and writes S3)',
      dag: medallion,
      defaultBehaviour: runFunction(),
      motoGaps: parallel,
      expected: {
        status: 'SUCCEEDED',
        tasks: { ingest_customers: ok, ingest_orders: ok, generate_analytics_summary: ok },
        tries: { ingest_customers: 1, ingest_orders: 1, generate_analytics_summary: 1 },
      },
    },
    {
      name: 'example native_steps (S3 listing, DynamoDB, SNS, EventBridge, a wait)',
      dag: nativeSteps,
      // The topic the emulator has (the param's default names an account moto does not use).
      ctx: manualContext(nativeSteps, { topicArn: services.topicArn }),
      defaultBehaviour: runFunction(),
      native: true,
      motoGaps: ['parallel-merge', 's3-result-timestamps'],
      ministackGaps: ['sdk-numbers-as-strings'],
      expected: {
        status: 'SUCCEEDED',
        tasks: {
          list_exports: { state: 'success' },
          has_exports: { ...ok, output: true },
          record_audit: { state: 'success' },
          cool_down: { state: 'success', output: null },
          done: { state: 'success', output: null },
          notify: { state: 'success' },
          emit_event: { state: 'success' },
          always_cleanup: { state: 'success', output: null },
        },
        tries: { has_exports: 1 },
      },
    },
  ];
}

/** An s3Sensor that waits for any object under the day's export prefix (the seeded export is one). */
function prefixSensor() {
  const d = dag({ id: 'diff_prefix_sensor' });
  d.s3Sensor('wait_for_any', { bucket: 'airstep-raw', prefix: 'exports/{{ ds }}/', pokeInterval: 1, timeout: 5 });
  return d;
}
