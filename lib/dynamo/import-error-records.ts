import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { scanAll } from './dynamo-pages.ts';

/**
 * Reads the importErrors table, for the CLI. dag-sync (dag-sync.ts, `recordImportError`) writes one item per
 * DAG file that did not load — `file` (the S3 key), `errors` (a JSON list of messages, each starting with the
 * file) and `at` (ISO time) — and deletes it once the file loads again.
 */
export interface ImportErrorRecord {
  readonly file: string;
  readonly errors: readonly string[];
  readonly at?: string;
}

/** Every recorded import error, by file: a Scan (every page) of a table that holds one item per broken file. */
export async function listImportErrors(dynamo: DynamoDBClient, table: string): Promise<ImportErrorRecord[]> {
  const records: ImportErrorRecord[] = [];
  for (const item of await scanAll(dynamo, { TableName: table })) {
    const file = item.file?.S;
    if (file === undefined) continue;
    records.push({
      file,
      errors: item.errors?.S !== undefined ? (JSON.parse(item.errors.S) as string[]) : [],
      ...(item.at?.S !== undefined ? { at: item.at.S } : {}),
    });
  }
  return records.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
