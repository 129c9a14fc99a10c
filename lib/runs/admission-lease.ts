import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ItemLease } from '../dynamo/item-lease.ts';
import { AirstepError } from '../errors/airstep-error.ts';

/**
 * Admitting a run of a DAG is read, decide, write: count its running runs, then start (and record) or queue.
 * Two admissions at once — a schedule firing while the recorder starts a queued run, two manual triggers — would
 * both count the same runs and could start more than `maxActiveRuns`. The trigger and the recorder therefore
 * admit a DAG's runs one at a time, under a lease on the item `{ dagId, version: 'ADMISSION' }` of the dags table
 * (readers of DAG records ask for `LATEST` or a content hash).
 */
const ADMISSION_ITEM_VERSION = 'ADMISSION';

export class AdmissionBusyError extends AirstepError {
  override readonly name = 'AdmissionBusyError';
  constructor(readonly dagId: string) {
    super(`another trigger or recorder is admitting a run of ${dagId}; try again`, { code: 'ADMISSION_BUSY' });
  }
}

export function admissionLease(
  dynamo: DynamoDBClient,
  dagsTable: string,
  dagId: string,
  options: { readonly holder: string; readonly seconds: number; readonly waitMs: number },
): ItemLease {
  return {
    dynamo,
    table: dagsTable,
    key: { dagId: { S: dagId }, version: { S: ADMISSION_ITEM_VERSION } },
    ...options,
    busy: () => new AdmissionBusyError(dagId),
  };
}
