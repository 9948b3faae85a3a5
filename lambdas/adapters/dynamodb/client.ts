import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One document client per container; `endpoint` points at DynamoDB Local in the twin and the tests. */
export function createDocumentClient(config: { endpoint?: string; region?: string } = {}): DynamoDBDocumentClient {
  const clientConfig: DynamoDBClientConfig = { region: config.region ?? process.env.AWS_REGION ?? 'us-east-1' };
  if (config.endpoint) {
    clientConfig.endpoint = config.endpoint;
    // DynamoDB Local accepts any credentials; fixed ones keep the twin independent of ~/.aws.
    clientConfig.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
