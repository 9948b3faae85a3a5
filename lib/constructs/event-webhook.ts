import { Duration, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import { ApiDestination, Authorization, Connection, HttpMethod, Rule, RuleTargetInput, type IEventBus } from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget } from 'aws-cdk-lib/aws-events-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventWebhookConfig } from '../config/stages';
import { deadLetterQueue } from './dead-letter-queue';
import { DIRECTORY_EVENT_SOURCE } from './directory-events';

/** The header the app checks; the twin sends the same (`EVENTS_WEBHOOK_KEY`, contract C2). */
export const WEBHOOK_API_KEY_HEADER = 'x-api-key';
/** EventBridge's maxima: the webhook may be down for a day before an event lands in the DLQ. */
const WEBHOOK_RETRY = { retryAttempts: 185, maxEventAge: Duration.hours(24) } as const;

export interface EventWebhookProps {
  readonly bus: IEventBus;
  readonly webhook: EventWebhookConfig;
  /** Name of the key secret the stack creates when the config names none, e.g. `natoma-sso/prod/events-webhook-key`. */
  readonly generatedKeySecretName: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Delivers every directory event on the bus to the app's webhook: an EventBridge connection (API key
 * in `x-api-key`, read from Secrets Manager at deploy time, never in the template), an API
 * destination, and a rule with retries and a DLQ. The body is the event itself (the rule sends
 * `$.detail`), as the twin POSTs it.
 */
export class EventWebhook extends Construct {
  readonly destination: ApiDestination;
  readonly rule: Rule;
  /** Events the webhook still refused after a day of retries. */
  readonly dlq: Queue;
  /** The secret the stack created for the key, when the config named none. */
  readonly generatedKeySecret?: Secret;

  constructor(scope: Construct, id: string, props: EventWebhookProps) {
    super(scope, id);
    let apiKey: SecretValue;
    if (props.webhook.apiKeySecretName !== undefined) {
      apiKey = SecretValue.secretsManager(props.webhook.apiKeySecretName);
    } else {
      const secret = (this.generatedKeySecret = new Secret(this, 'ApiKey', {
        secretName: props.generatedKeySecretName,
        description: `natoma-sso: the ${WEBHOOK_API_KEY_HEADER} the events webhook receives; give the value to the app`,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy: props.removalPolicy,
      }));
      apiKey = secret.secretValue;
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The app holds a copy of this key; rotating it is a coordinated change (the app accepts both keys, put the new value, update the connection with it, then the app drops the old key), docs/operations.md.',
      });
    }

    const connection = new Connection(this, 'Connection', {
      description: 'natoma-sso events webhook: API key authentication',
      authorization: Authorization.apiKey(WEBHOOK_API_KEY_HEADER, apiKey),
    });
    this.destination = new ApiDestination(this, 'Destination', {
      description: 'natoma-sso directory events to the app webhook',
      connection,
      endpoint: props.webhook.url,
      httpMethod: HttpMethod.POST,
      rateLimitPerSecond: props.webhook.rateLimitPerSecond ?? 50,
    });
    this.dlq = deadLetterQueue(this, 'Dlq', 'directory events the webhook refused for a day');
    this.rule = new Rule(this, 'Rule', {
      eventBus: props.bus,
      description: 'Every natoma-sso directory event to the app webhook',
      eventPattern: { source: [DIRECTORY_EVENT_SOURCE] },
      targets: [
        new ApiDestinationTarget(this.destination, {
          event: RuleTargetInput.fromEventPath('$.detail'),
          ...WEBHOOK_RETRY,
          deadLetterQueue: this.dlq,
        }),
      ],
    });
  }
}
