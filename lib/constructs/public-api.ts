import { Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnRoute, CfnStage, DomainName, HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { PublicDomainConfig } from '../config/stages';

/**
 * One access log line per request. Only `$context` fields that carry no secret: the route key and
 * the path (which has no query string, so `?ticket=` and SCIM filters stay out), never a header
 * (Authorization, Cookie), the body or `$context.requestOverride`. `requestId` joins the Lambda's
 * logs (it is the correlation ID when the client sends none).
 */
export const accessLogFields = {
  requestId: '$context.requestId',
  apiId: '$context.apiId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatencyMs: '$context.integrationLatency',
} as const;

export interface PublicApiProps {
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** @default - only the execute-api endpoint */
  readonly customDomain?: PublicDomainConfig;
  /** The public base URL when something in front of the API serves the domain (CloudFront). @default - from `customDomain`, else the execute-api URL */
  readonly baseUrl?: string;
}

/**
 * The public HTTP API (payload format 2.0): SAML, sign-in, dashboard and SCIM routes are added by
 * `SamlEndpoints` and `ScimEndpoints`. One `$default` stage, auto-deployed, with stage-wide
 * throttling and JSON access logs. HTTP APIs have no X-Ray integration; the Lambdas trace instead.
 */
export class PublicApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** `https://…` without a trailing slash: the custom domain when configured, else the execute-api URL. */
  readonly baseUrl: string;
  readonly domainName?: DomainName;
  /** JSON access logs (see `accessLogFields`). */
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: PublicApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-public`,
      description: 'natoma-sso public API: SAML SP, sign-in, dashboard, SCIM 2.0',
      createDefaultStage: false,
    });

    if (props.customDomain) {
      const { domainName, certificateArn, hostedZone } = props.customDomain;
      this.domainName = new DomainName(this, 'DomainName', {
        domainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', certificateArn),
      });
      if (hostedZone) {
        new ARecord(this, 'AliasRecord', {
          zone: HostedZone.fromHostedZoneAttributes(this, 'Zone', hostedZone),
          recordName: domainName,
          target: RecordTarget.fromAlias(
            new ApiGatewayv2DomainProperties(this.domainName.regionalDomainName, this.domainName.regionalHostedZoneId),
          ),
        });
      }
    }

    const accessLogs = (this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    }));
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
      domainMapping: this.domainName ? { domainName: this.domainName } : undefined,
    });

    this.baseUrl = props.baseUrl ?? (props.customDomain ? `https://${props.customDomain.domainName}` : this.httpApi.apiEndpoint);
  }

  /**
   * Per-route limits on the stage, after the routes were added. Each key must be a route key of the
   * API (`POST /signin`); a misspelt key would otherwise fail only at deploy time.
   */
  throttleRoutes(limits: Readonly<Record<string, { readonly rateLimit: number; readonly burstLimit: number }>>): void {
    const routes = this.httpApi.node.findAll().filter((construct): construct is CfnRoute => construct instanceof CfnRoute);
    const routeKeys = new Set(routes.map((route) => route.routeKey));
    const unknown = Object.keys(limits).filter((key) => !routeKeys.has(key));
    if (unknown.length > 0) {
      throw new Error(`routeThrottles names routes the API does not have: ${unknown.join(', ')} (routes: ${[...routeKeys].sort().join(', ')})`);
    }
    const stage = this.stage.node.defaultChild as CfnStage;
    stage.routeSettings = Object.fromEntries(
      Object.entries(limits).map(([routeKey, { rateLimit, burstLimit }]) => [routeKey, { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit }]),
    );
    // API Gateway rejects settings for a route key that does not exist yet.
    for (const route of routes) this.stage.node.addDependency(route);
  }
}
