import { CfnOutput, Duration, Fn, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import type { Construct } from 'constructs';
import { EnvName } from '../../lambdas/http/env-names';
import { assertStageConfig, type StageConfig, type StageName } from '../config/stages';
import { AdminApi } from '../constructs/admin-api';
import { DirectoryEvents } from '../constructs/directory-events';
import { EventWebhook } from '../constructs/event-webhook';
import { IdentityTable } from '../constructs/identity-table';
import { OperationsAlarms } from '../constructs/operations-alarms';
import { OperationsDashboard } from '../constructs/operations-dashboard';
import { OidcEndpoints } from '../constructs/oidc-endpoints';
import { OidcSigningKey } from '../constructs/oidc-signing-key';
import { EdgeDistribution } from '../constructs/edge-distribution';
import { PublicApi } from '../constructs/public-api';
import { PublicUrlGuard } from '../constructs/public-url-guard';
import { SamlEndpoints } from '../constructs/saml-endpoints';
import { ScimEndpoints } from '../constructs/scim-endpoints';
import { ScimTokenSecrets } from '../constructs/scim-token-secrets';
import { SpCredential } from '../constructs/sp-credential';
import { StorageMaintenance } from '../constructs/storage-maintenance';
import { NatomaSsoEdgeStack } from './natoma-sso-edge-stack';

export interface NatomaSsoStackProps extends StackProps {
  readonly stageName: StageName;
  readonly config: StageConfig;
  /**
   * The exact new public base URL this one deploy may move to (`-c acceptPublicUrlChange=URL`).
   * @default - a deploy that would change the published URL fails (docs/operations.md)
   */
  readonly acceptPublicUrlChange?: string;
}

/**
 * One environment of natoma-sso: the public HTTP API (SAML, sign-in, SCIM, OIDC), the admin Lambda with
 * its operator and console Function URLs, the identity table and its scheduled maintenance, the
 * directory events (table stream, forwarder, EventBridge bus, optional webhook), the secrets and the alarms.
 * Account, region and termination protection come from the stage config (a stage that names no
 * account stays environment-agnostic); `cdk synth` needs no credentials either way.
 */
export class NatomaSsoStack extends Stack {
  /** The us-east-1 stack holding the stage's web ACL, when `waf` is on. */
  readonly edgeStack?: NatomaSsoEdgeStack;

  constructor(scope: Construct, id: string, props: NatomaSsoStackProps) {
    super(scope, id, stackPropsFor(props));
    const { config, stageName } = props;
    const publicDomain = config.identity.publicDomain;
    if (config.waf) {
      this.edgeStack = new NatomaSsoEdgeStack(scope, `${id}-edge`, {
        env: { account: config.identity.account, region: 'us-east-1' },
        crossRegionReferences: true,
        terminationProtection: config.terminationProtection,
        description: `natoma-sso (${stageName}): AWS WAF web ACL of the public API's CloudFront distribution`,
        waf: config.waf,
      });
    }
    const secretPrefix = `natoma-sso/${stageName}/`;

    // Stateful resources: these construct IDs are a contract (a new ID replaces the resource).
    const identity = new IdentityTable(this, 'Identity', {
      removalPolicy: config.removalPolicy,
      pointInTimeRecovery: config.pointInTimeRecovery,
      deletionProtection: config.deletionProtection,
      restoredTableName: config.restoredTableName,
      restoredTableStreamArn: config.restoredTableStreamArn,
    });
    const spCredential = new SpCredential(this, 'SpCredential', {
      secretName: `${secretPrefix}sp-credential`,
      commonName: `natoma-sso ${stageName} SP`,
      removalPolicy: config.removalPolicy,
      logRetention: config.logRetention,
      tracing: config.tracing,
    });
    const tokenSecrets = new ScimTokenSecrets(this, 'ScimTokens', { namePrefix: `${secretPrefix}scim-tokens/` });
    const oidcSigningKey = new OidcSigningKey(this, 'OidcSigningKey', {
      secretName: `${secretPrefix}oidc-signing-key`,
      removalPolicy: config.removalPolicy,
      logRetention: config.logRetention,
      tracing: config.tracing,
    });

    const api = new PublicApi(this, 'PublicApi', {
      throttle: config.apiThrottle,
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      // With WAF the domain belongs to the CloudFront distribution, which keeps the same base URL.
      customDomain: config.waf ? undefined : publicDomain,
      baseUrl: publicDomain ? `https://${publicDomain.domainName}` : undefined,
    });
    const webAclArn = this.edgeStack?.webAcl.attrArn;
    const edge =
      webAclArn && publicDomain?.edgeCertificateArn
        ? new EdgeDistribution(this, 'Edge', {
            // apiEndpoint is https://<id>.execute-api.<region>.amazonaws.com: CloudFront wants the host alone.
            originHost: Fn.select(2, Fn.split('/', api.httpApi.apiEndpoint)),
            domainName: publicDomain.domainName,
            certificateArn: publicDomain.edgeCertificateArn,
            hostedZone: publicDomain.hostedZone,
            webAclArn,
            comment: 'natoma-sso public API behind AWS WAF',
          })
        : undefined;
    const urlGuard = new PublicUrlGuard(this, 'PublicUrlGuard', {
      baseUrl: api.baseUrl,
      parameterName: `/natoma-sso/${stageName}/published-base-url`,
      acceptChangeTo: props.acceptPublicUrlChange,
      removalPolicy: config.removalPolicy,
      logRetention: config.logRetention,
      tracing: config.tracing,
    });
    const surface = {
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      tracing: config.tracing,
      environment: {
        [EnvName.runtimeMode]: 'deployed',
        [EnvName.logLevel]: config.logLevel,
        [EnvName.publicBaseUrl]: api.baseUrl,
      },
    };

    const consoleDomain = config.identity.consoleDomain;
    const admin = new AdminApi(this, 'Admin', {
      ...surface,
      table: identity,
      tokenSecrets,
      consoleUrlParameterName: `/natoma-sso/${stageName}/admin-console-url`,
      reservedConcurrency: config.adminReservedConcurrency,
      consoleDomainName: consoleDomain?.domainName,
    });
    const saml = new SamlEndpoints(this, 'Saml', {
      ...surface,
      api: api.httpApi,
      table: identity,
      spCredentialSecret: spCredential.secret,
      spCredentialSecretName: spCredential.secretName,
      adminPublicUrl: admin.consoleOrigin,
      defaultAppClientId: config.oidc?.defaultAppClientId,
      trafficShifting: config.trafficShifting !== undefined,
    });
    const consoleEdge = consoleDomain
      ? new EdgeDistribution(this, 'ConsoleEdge', {
          originHost: Fn.select(2, Fn.split('/', admin.consoleUrl.url)),
          domainName: consoleDomain.domainName,
          certificateArn: consoleDomain.certificateArn,
          hostedZone: consoleDomain.hostedZone,
          webAclArn,
          comment: 'natoma-sso tenant-admin console',
        })
      : undefined;
    // The SAML Lambda must not serve before its key exists.
    saml.handler.node.addDependency(spCredential);
    const scim = new ScimEndpoints(this, 'Scim', { ...surface, api: api.httpApi, table: identity, tokenSecrets, trafficShifting: config.trafficShifting !== undefined });

    const events = new DirectoryEvents(this, 'Events', {
      ...surface,
      table: identity,
      eventBusName: `natoma-sso-${stageName}-directory`,
    });
    const webhook = config.events.webhook
      ? new EventWebhook(this, 'EventWebhook', {
          bus: events.bus,
          webhook: config.events.webhook,
          generatedKeySecretName: `${secretPrefix}events-webhook-key`,
          removalPolicy: config.removalPolicy,
        })
      : undefined;
    const oidc = new OidcEndpoints(this, 'Oidc', {
      ...surface,
      api: api.httpApi,
      table: identity,
      signingKeySecret: oidcSigningKey.secret,
      signingKeySecretName: oidcSigningKey.secretName,
      bus: events.bus,
      defaultAppClientId: config.oidc?.defaultAppClientId,
      trafficShifting: config.trafficShifting !== undefined,
    });
    // Neither OIDC Lambda may run before its signing key exists.
    oidc.handler.node.addDependency(oidcSigningKey);
    oidc.backchannel.node.addDependency(oidcSigningKey);
    api.throttleRoutes(config.routeThrottles);

    const maintenance = new StorageMaintenance(this, 'Maintenance', {
      table: identity,
      rate: Duration.minutes(config.maintenance.rateMinutes),
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      tracing: config.tracing,
      logLevel: config.logLevel,
    });

    const functions = {
      Saml: saml.handler,
      Scim: scim.handler,
      Admin: admin.handler,
      Maintenance: maintenance.handler,
      Oidc: oidc.handler,
      OidcBackchannel: oidc.backchannel,
      EventForwarder: events.forwarder,
    };
    const alarms = new OperationsAlarms(this, 'Alarms', {
      api: api.httpApi,
      apiAccessLogs: api.accessLogs,
      functions,
      latencyWatched: { Saml: saml.handler, Scim: scim.handler, Admin: admin.handler, Oidc: oidc.handler },
      samlLogs: saml.handler.logGroup,
      maintenanceLogs: maintenance.handler.logGroup,
      maintenanceRate: Duration.minutes(config.maintenance.rateMinutes),
      table: identity.table,
      api5xxRatePercent: config.alarms.api5xxRatePercent,
      samlRefusalsPer5Min: config.alarms.samlRefusalsPer5Min,
      accountConcurrency: config.alarms.accountConcurrency,
      maintenanceBacklogHours: config.alarms.maintenanceBacklogHours,
      alarmEmail: config.identity.alarmRoute?.email,
      alarmTopicArn: config.identity.alarmRoute?.topicArn,
      removalPolicy: config.removalPolicy,
    });

    alarms.watchDeadLetterQueue('EventForwarderDlq', events.forwarderDlq, 'The event forwarder gave up on a batch of table stream records: directory events are missing downstream until replayed from the stream, which keeps them 24 h (docs/operations.md)');
    alarms.watch('EventForwarderIteratorAge', {
      metric: events.iteratorAge,
      threshold: config.events.iteratorAgeAlarmMinutes * 60_000,
      evaluationPeriods: 2,
      description: `Directory events lag the table by more than ${config.events.iteratorAgeAlarmMinutes} min (forwarder iterator age): it is failing or throttled; stream records expire after 24 h`,
    });
    alarms.watchDeadLetterQueue('OidcBackchannelDlq', oidc.backchannelDlq, 'A session.ended event could not be turned into back-channel logouts: an app may keep a session we ended (docs/operations.md)');
    if (webhook) alarms.watchDeadLetterQueue('EventWebhookDlq', webhook.dlq, 'The app webhook refused directory events for 24 h of retries: they wait in the DLQ (docs/operations.md)');

    if (config.trafficShifting) {
      for (const [name, surfaceFn] of [['Saml', saml], ['Scim', scim], ['Oidc', oidc]] as const) {
        const group = new LambdaDeploymentGroup(this, `${name}Deployment`, {
          alias: surfaceFn.liveAlias!,
          deploymentConfig: LambdaDeploymentConfig[config.trafficShifting],
          alarms: [alarms.byId[`${name}Errors`]!, alarms.byId[`${name}LatencyNearTimeout`]!, alarms.byId.Api5xxRate!],
          autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
        });
        Validations.of(group).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
          reason: "CodeDeploy's managed least-privilege policy for Lambda deployments: alias updates, alarm reads, and invoking only hook functions named CodeDeployHook_*.",
        });
      }
    }

    const dashboard = new OperationsDashboard(this, 'Dashboard', {
      api: api.httpApi,
      functions,
      table: identity.table,
      logMetrics: alarms.logMetrics,
      alarms: alarms.alarms,
    });

    // The check runs before anything that carries the URL changes; the record after everything else.
    for (const carrier of [api.stage, api.domainName, edge?.distribution, saml.handler, scim.handler, admin.handler, oidc.handler, oidc.backchannel, events.forwarder]) carrier?.node.addDependency(urlGuard.check);
    for (const child of this.node.children) if (child !== urlGuard) urlGuard.record.node.addDependency(child);

    new CfnOutput(this, 'ApiBaseUrl', { value: api.baseUrl, description: 'Public API: SAML SP, /signin, /dashboard, SCIM base /scim/v2/{tenantId}' });
    new CfnOutput(this, 'AdminOperatorUrl', { value: admin.operatorUrl.url, description: 'Operator API (AWS_IAM, SigV4): npm run admin -- --url <this> …' });
    new CfnOutput(this, 'OperatorPolicyArn', { value: admin.operatorPolicy.managedPolicyArn, description: 'Attach to the roles of platform operators who run the CLI with --url' });
    new CfnOutput(this, 'AdminConsoleUrl', { value: admin.consoleUrl.url, description: 'Tenant-admin console (sign in with an operator-issued link)' });
    new CfnOutput(this, 'TableName', { value: identity.table.tableName });
    new CfnOutput(this, 'SpCredentialSecretName', { value: spCredential.secretName, description: 'Secret holding the SP key pair (value never in outputs)' });
    new CfnOutput(this, 'OidcIssuer', { value: api.baseUrl, description: 'OpenID Connect issuer; discovery at <issuer>/.well-known/openid-configuration' });
    new CfnOutput(this, 'OidcSigningKeySecretName', { value: oidcSigningKey.secretName, description: 'Secret holding the OIDC signing key ring (value never in outputs)' });
    new CfnOutput(this, 'EventBusName', { value: events.bus.eventBusName, description: 'EventBridge bus of the directory events (source natoma-sso, detail-type = event type)' });
    new CfnOutput(this, 'EventBusArn', { value: events.bus.eventBusArn });
    if (webhook?.generatedKeySecret) {
      new CfnOutput(this, 'EventWebhookKeySecretName', { value: `${secretPrefix}events-webhook-key`, description: 'Secret holding the x-api-key the webhook receives (give its value to the app)' });
    }
    new CfnOutput(this, 'ScimTokenSecretPrefix', { value: tokenSecrets.namePrefix, description: 'Per-tenant SCIM token hash secrets, created at runtime' });
    if (api.domainName) {
      new CfnOutput(this, 'ApiDomainTarget', { value: api.domainName.regionalDomainName, description: 'CNAME/alias target for the custom domain' });
    }
    if (consoleEdge) {
      new CfnOutput(this, 'ConsoleDomainTarget', { value: consoleEdge.distribution.distributionDomainName, description: 'CNAME/alias target for the console domain (its CloudFront distribution)' });
    }
    if (edge) {
      new CfnOutput(this, 'ApiDomainTarget', { value: edge.distribution.distributionDomainName, description: 'CNAME/alias target for the custom domain (the CloudFront distribution in front of the API, with WAF)' });
    }
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName, description: 'CloudWatch dashboard of this stage' });
    if (alarms.topic) new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });

    Validations.of(api.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'Public by protocol: SAML metadata/ACS and the sign-in page must be reachable by browsers and IdPs; SCIM routes authenticate a per-tenant bearer token inside the Lambda (constant-time hash check against Secrets Manager).',
    });
  }
}

/** Fails before any construct exists when the stage lacks a required setting; pins env and protection from the config. */
function stackPropsFor(props: NatomaSsoStackProps): StackProps {
  assertStageConfig(props.stageName, props.config);
  const { account, region } = props.config.identity;
  return {
    ...props,
    env: account !== undefined || region !== undefined ? { account, region } : props.env,
    terminationProtection: props.config.terminationProtection,
    // The web ACL's ARN comes from the us-east-1 edge stack.
    crossRegionReferences: props.config.waf !== undefined,
  };
}
