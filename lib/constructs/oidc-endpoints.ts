import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Alias } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EnvName } from '../../lambdas/http/env-names';
import { AppFunction, lambdaEntry, lambdaSources } from './app-function';
import { deadLetterQueue } from './dead-letter-queue';
import { DIRECTORY_EVENT_SOURCE } from './directory-events';
import type { IdentityTable, ItemAction } from './identity-table';
import type { SurfaceFunctionOptions } from './surface-options';
import { routeApiToSurface } from './surface-routes';

/** The routes the OIDC Lambda answers (contract C3): discovery at the issuer, the rest under `/oidc/`. */
export const oidcRoutes: ReadonlyArray<{ readonly path: string; readonly methods: readonly HttpMethod[] }> = [
  { path: '/.well-known/openid-configuration', methods: [HttpMethod.GET] },
  { path: '/oidc/{proxy+}', methods: [HttpMethod.ANY] },
];

/** The `detail-type` of the events that trigger back-channel logouts. */
export const SESSION_ENDED_DETAIL_TYPE = 'session.ended';

/** The back-channel Lambda reads clients (and their logout URIs) and sessions; it writes nothing. */
export const BACKCHANNEL_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const satisfies readonly ItemAction[];

export interface OidcEndpointsProps extends SurfaceFunctionOptions {
  readonly api: HttpApi;
  readonly table: IdentityTable;
  /** The signing key ring: both OIDC Lambdas read it, nothing more. */
  readonly signingKeySecret: ISecret;
  readonly signingKeySecretName: string;
  /** The bus carrying `session.ended`. */
  readonly bus: IEventBus;
  /** `OIDC_DEFAULT_CLIENT_ID`. @default - none */
  readonly defaultAppClientId?: string;
}

/**
 * The OpenID Connect provider for the product's apps (`lambdas/oidc/handler.ts`, oidc-provider behind
 * the shared pipeline) and its Back-Channel Logout sender (`lambdas/oidc/backchannel-handler.ts`),
 * which a bus rule feeds with `session.ended` events.
 */
export class OidcEndpoints extends Construct {
  readonly handler: AppFunction;
  /** Alias `live`, which the API invokes, when `trafficShifting` is on. */
  readonly liveAlias?: Alias;
  readonly backchannel: AppFunction;
  /** `session.ended` events whose logout tokens could not be sent (delivery to the Lambda or the Lambda itself failed). */
  readonly backchannelDlq: Queue;

  constructor(scope: Construct, id: string, props: OidcEndpointsProps) {
    super(scope, id);
    this.handler = new AppFunction(this, 'Handler', {
      entry: lambdaEntry(lambdaSources.oidc),
      description: 'natoma-sso OIDC provider: discovery, authorize, token, userinfo, JWKS, logout',
      // oidc-provider and RS256 signing; Lambda CPU scales with memory.
      memorySize: 512,
      // An authorize or token request is a few DynamoDB calls and one signature.
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: {
        ...props.environment,
        [EnvName.tableName]: props.table.table.tableName,
        [EnvName.oidcSigningKeySecret]: props.signingKeySecretName,
        ...(props.defaultAppClientId ? { [EnvName.oidcDefaultClientId]: props.defaultAppClientId } : {}),
      },
    });
    // Codes, grants, sessions and clients live in the one table.
    props.table.grantItemReadWrite(this.handler);
    props.signingKeySecret.grantRead(this.handler);

    this.liveAlias = routeApiToSurface(this, this.handler, props.api, oidcRoutes, props.trafficShifting);

    this.backchannel = new AppFunction(this, 'Backchannel', {
      entry: lambdaEntry(lambdaSources.oidcBackchannel),
      description: 'natoma-sso OIDC back-channel logout: posts signed logout tokens to apps on session.ended',
      memorySize: 256,
      // Posts to every app with a logout URI, each with its own short retries.
      timeout: Duration.seconds(120),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: {
        ...props.environment,
        [EnvName.tableName]: props.table.table.tableName,
        [EnvName.oidcSigningKeySecret]: props.signingKeySecretName,
      },
    });
    props.table.grantItemActions(this.backchannel, BACKCHANNEL_ITEM_ACTIONS);
    props.signingKeySecret.grantRead(this.backchannel);

    this.backchannelDlq = deadLetterQueue(this, 'BackchannelDlq', 'session.ended events whose back-channel logouts failed');
    // EventBridge invokes asynchronously: its own retries cover delivery to Lambda, these cover a failing run.
    this.backchannel.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(this.backchannelDlq) });
    new Rule(this, 'SessionEnded', {
      eventBus: props.bus,
      description: 'natoma-sso session.ended events to the OIDC back-channel logout Lambda',
      eventPattern: { source: [DIRECTORY_EVENT_SOURCE], detailType: [SESSION_ENDED_DETAIL_TYPE] },
      targets: [new LambdaFunction(this.backchannel, { retryAttempts: 8, maxEventAge: Duration.hours(6), deadLetterQueue: this.backchannelDlq })],
    });
  }
}
