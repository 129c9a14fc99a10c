/**
 * The runs table's TTL attribute (epoch seconds): DynamoDB deletes an item some time after it. Only recorded asset
 * events carry it (lib/compiler/asset-event-retention.ts says when they expire).
 */
export const RUNS_TTL_ATTRIBUTE = 'expiresAt';
