import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * Small S3 helpers for the example DAGs. The client honours AWS_ENDPOINT_URL (an emulator such as MiniStack),
 * where path-style addressing is needed.
 */
let client: S3Client | undefined;

export function s3(): S3Client {
  client ??= new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });
  return client;
}

export async function readText(bucket: string, key: string): Promise<string> {
  const response = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await response.Body?.transformToString('utf-8')) ?? '';
}

export async function writeJson(bucket: string, key: string, value: unknown): Promise<string> {
  await s3().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(value, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
  return `s3://${bucket}/${key}`;
}

export async function listKeys(bucket: string, prefix: string): Promise<string[]> {
  const response = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (response.Contents ?? []).map((object) => object.Key!).sort();
}

/** A plain CSV reader for the example data: a header row, comma-separated, no quoted commas. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const [header, ...rows] = text.trim().split(/\r?\n/);
  if (header === undefined) return [];
  const columns = header.split(',').map((column) => column.trim());
  return rows
    .filter((row) => row.trim() !== '')
    .map((row) => {
      const cells = row.split(',');
      return Object.fromEntries(columns.map((column, i) => [column, (cells[i] ?? '').trim()]));
    });
}
