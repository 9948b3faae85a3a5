import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * An SQS queue that holds what failed for an operator to look at: encrypted (SQS-managed keys, which
 * EventBridge and Lambda may send to without a key policy), TLS only, and kept for the SQS maximum
 * of 14 days so a weekend outage is still there on Monday.
 */
export function deadLetterQueue(scope: Construct, id: string, holds: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself a dead-letter queue (${holds}); an alarm watches its depth and an operator drains it (docs/operations.md).`,
  });
  return queue;
}
