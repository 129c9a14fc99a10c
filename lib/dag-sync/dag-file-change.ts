/** One change under `dags/` from an S3 event notification. */
export interface DagFileChange {
  readonly kind: 'created' | 'removed';
  readonly bucket: string;
  readonly key: string;
  /** Orders events on one key (see s3-event-order.ts); without it (a hand-made event) events are not ordered. */
  readonly sequencer?: string;
  /** The object version the event is about (a versioned bucket); the file is read at that version. */
  readonly versionId?: string;
}

/** The S3 event notification carried in an SQS message body (S3's test event holds no records). */
export function dagFileChanges(body: string): DagFileChange[] {
  const event = JSON.parse(body) as {
    Records?: Array<{
      eventName: string;
      s3: { bucket: { name: string }; object: { key: string; sequencer?: string; versionId?: string | null } };
    }>;
  };
  return (event.Records ?? [])
    .map((record): DagFileChange => {
      const object = record.s3.object;
      return {
        kind: record.eventName.startsWith('ObjectRemoved') ? 'removed' : 'created',
        bucket: record.s3.bucket.name,
        key: decodeURIComponent(object.key.replace(/\+/g, ' ')),
        ...(object.sequencer ? { sequencer: object.sequencer } : {}),
        ...(object.versionId ? { versionId: object.versionId } : {}),
      };
    })
    .filter((change) => /\.(ts|mts|js|mjs)$/.test(change.key) && !change.key.endsWith('.d.ts'));
}
