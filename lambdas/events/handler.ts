import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod/v3';
import { eventBusSink } from '../adapters/eventbridge/event-bus-sink';
import type { EventSink } from '../core/events/ports';
import { loadEnv } from '../http/env';
import { EnvName } from '../http/env-names';
import { createLogger, type Logger } from '../http/logger';
import { EventDeliveryError, forwardStreamRecords, type OutboxStreamRecord } from './forwarder';

const forwarderEnvSchema = z.object({
  [EnvName.eventBusName]: z.string().min(1),
  [EnvName.logLevel]: z.string().optional(),
});

let composed: { sinks: EventSink[]; logger: Logger } | undefined;

function compose(): { sinks: EventSink[]; logger: Logger } {
  const env = loadEnv(forwarderEnvSchema);
  return { sinks: [eventBusSink(new EventBridgeClient({}), env[EnvName.eventBusName])], logger: createLogger('events', env[EnvName.logLevel]) };
}

/**
 * The table stream's consumer (event source mapping with ReportBatchItemFailures): the outbox's events go
 * to the stage's bus. A failed delivery reports the batch's first record, so the mapping retries from it
 * and nothing after it is skipped; past its retries the batch goes to the mapping's DLQ.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  composed ??= compose();
  try {
    const result = await forwardStreamRecords(event.Records as OutboxStreamRecord[], composed.sinks);
    if (result.delivered > 0) composed.logger.info('events forwarded', { count: result.delivered });
    return { batchItemFailures: [] };
  } catch (error) {
    const first = error instanceof EventDeliveryError ? error.firstFailedSequenceNumber : event.Records[0]?.dynamodb?.SequenceNumber;
    composed.logger.error('event forwarding failed', { error });
    if (first === undefined) throw error;
    return { batchItemFailures: [{ itemIdentifier: first }] };
  }
};
