import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ItemsLocation } from '../compiler/worker-contract.ts';
import { type XComKey, type XComStore, xcomObjectKey } from '../runtime/xcom.ts';
import { XComReferenceError } from '../runtime/xcom-reference-error.ts';

/** XCom values on AWS: `s3://<bucket>/xcom/<dag>/<run>/<task>/<map index>/try-<n>.json` (the stack expires them). */
export class S3XComStore implements XComStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: XComKey, json: string): Promise<string> {
    const objectKey = xcomObjectKey(key);
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: json, ContentType: 'application/json' }),
    );
    return `s3://${this.bucket}/${objectKey}`;
  }

  /** Where a value the store wrote is, as the Map's ItemReader names it. */
  locate(uri: string): ItemsLocation {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (match === null) throw new XComReferenceError(uri, `not an S3 XCom reference: ${uri}`);
    return { Bucket: match[1]!, Key: match[2]! };
  }

  async get(uri: string): Promise<string> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (match === null) throw new XComReferenceError(uri, `not an S3 XCom reference: ${uri}`);
    const response = await this.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    return (await response.Body?.transformToString('utf-8')) ?? 'null';
  }
}
