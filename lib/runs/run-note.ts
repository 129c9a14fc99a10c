import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';

/** Airflow 3 caps a DAG run note at 1,000 characters; so does Airstep. */
export const MAX_NOTE_LENGTH = 1000;

/**
 * Sets the note of a deployed run (`airstep note <run> "text" --stack`) on its item in the runs table, or removes
 * it when the text is empty. Conditional on the run's item existing: a run id nobody started creates nothing
 * (false). The recorder and the trigger update run items attribute by attribute, so the note stays when the
 * run's state changes.
 */
export async function setRunNote(
  dynamo: DynamoDBClient,
  runsTable: string,
  run: { readonly dagId: string; readonly runId: string },
  note: string,
): Promise<boolean> {
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: runsTable,
        Key: { dagId: { S: run.dagId }, runId: { S: run.runId } },
        ConditionExpression: 'attribute_exists(runId)',
        ...(note === ''
          ? { UpdateExpression: 'REMOVE note' }
          : { UpdateExpression: 'SET note = :note', ExpressionAttributeValues: { ':note': { S: note } } }),
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}
