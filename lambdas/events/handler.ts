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

/**
 * The table stream's consumer (event source mapping with ReportBatchItemFailures): the outbox's events go
 * to the sinks. A failed delivery reports the batch's first record, so the mapping retries from it and
 * nothing after it is skipped; past its retries the batch goes to the mapping's DLQ.
 */
export function createStreamHandler(sinks: readonly EventSink[], logger: Logger): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  return async (event) => {
    try {
      const result = await forwardStreamRecords(event.Records as OutboxStreamRecord[], sinks);
      if (result.delivered > 0) logger.info('events forwarded', { count: result.delivered });
      return { batchItemFailures: [] };
    } catch (error) {
      const first = error instanceof EventDeliveryError ? error.firstFailedSequenceNumber : event.Records[0]?.dynamodb?.SequenceNumber;
      logger.error('event forwarding failed', { error });
      if (first === undefined) throw error;
      return { batchItemFailures: [{ itemIdentifier: first }] };
    }
  };
}

let composed: ((event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>) | undefined;

/** The stage's forwarder: sink = its EventBridge bus (EVENT_BUS_NAME). */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  if (!composed) {
    const env = loadEnv(forwarderEnvSchema);
    composed = createStreamHandler([eventBusSink(new EventBridgeClient({}), env[EnvName.eventBusName])], createLogger('events', env[EnvName.logLevel]));
  }
  return composed(event);
};
