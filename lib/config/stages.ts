import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Names accepted by `cdk synth|deploy -c env=NAME`. */
export const stageNames = ['dev', 'prod'] as const;
export type StageName = (typeof stageNames)[number];

/** The custom domain that every tenant's Entity ID, ACS URL and SCIM base URL are built on. */
export interface PublicDomainConfig {
  /** e.g. `sso.example.com`: the public base URL is `https://<domainName>`. */
  readonly domainName: string;
  /** ACM certificate for `domainName`, in the stage's region (HTTP APIs use regional endpoints). */
  readonly certificateArn: string;
  /** When given, an alias A record is created in this zone; otherwise point DNS at the `ApiDomainTarget` output yourself. */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly zoneName: string };
  /**
   * ACM certificate for `domainName` in us-east-1, for CloudFront: required when the stage turns
   * `waf` on (the domain then points at the distribution instead of the API's regional domain).
   * @default - none
   */
  readonly edgeCertificateArn?: string;
}

/**
 * AWS WAF in front of the public API. WAF cannot attach to an HTTP API, so this puts a CloudFront
 * distribution on the public domain with a web ACL from a companion stack in us-east-1
 * (docs/operations.md, "Edges").
 */
export interface WafConfig {
  /** Requests one IP may send to the non-SCIM routes in 5 minutes before WAF blocks it (at least 10). */
  readonly ipRateLimitPer5Min: number;
}

/** A domain for the tenant-admin console, served by CloudFront in front of its Function URL. */
export interface ConsoleDomainConfig {
  /** e.g. `sso-admin.example.com`; links the operator CLI issues and the dashboard's admin link use it. */
  readonly domainName: string;
  /** ACM certificate for `domainName` in us-east-1 (CloudFront). */
  readonly certificateArn: string;
  /** When given, an alias A record is created in this zone; otherwise point DNS at the `ConsoleDomainTarget` output. */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly zoneName: string };
}

/** Where alarms go: a new encrypted topic with one email subscriber, or a topic you already run. */
export interface AlarmRoute {
  /** Subscribe this address to a new, KMS-encrypted alarm topic. */
  readonly email?: string;
  /** Or publish to an existing SNS topic (for example one that AWS Chatbot, PagerDuty or Opsgenie subscribes to). */
  readonly topicArn?: string;
}

/**
 * Who and where a stage is: the values Okta apps and on-call depend on. They live in this file, in
 * review, never in `-c` flags: a deploy that forgot a flag would move every tenant's SAML and SCIM URLs.
 */
export interface StageIdentity {
  /** 12-digit AWS account ID. @default - the account of the deploying shell (only where `required` allows) */
  readonly account?: string;
  /** e.g. `eu-west-1`. @default - the region of the deploying shell (only where `required` allows) */
  readonly region?: string;
  /** @default - the execute-api URL, which changes if the API is ever replaced: fine for dev only */
  readonly publicDomain?: PublicDomainConfig;
  /** @default - the console's Function URL (`…lambda-url.<region>.on.aws`) */
  readonly consoleDomain?: ConsoleDomainConfig;
  /** @default - alarms show in CloudWatch and notify nobody */
  readonly alarmRoute?: AlarmRoute;
}

/** Identity settings a stage can insist on; synth fails, naming each one, while any is missing. */
export type RequiredSetting = 'account' | 'region' | 'publicDomain' | 'alarmRoute';

/**
 * Everything that differs between environments. Constructs read these values and never test the
 * stage name (STYLE.md: environments are data).
 */
export interface StageConfig {
  readonly identity: StageIdentity;
  /** Settings of `identity` this stage cannot deploy without. */
  readonly required: readonly RequiredSetting[];
  /** CloudFormation refuses to delete the stack while this is on. */
  readonly terminationProtection: boolean;
  /** Applied to the table, the SP credential secret, the alarm key and the log groups. */
  readonly removalPolicy: RemovalPolicy;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  /**
   * After a point-in-time restore (docs/operations.md): the name of the restored table, which the
   * Lambdas then use instead of the stack's own. The stack's table is kept (retained), not deleted.
   * @default - the table the stack creates
   */
  readonly restoredTableName?: string;
  /**
   * With `restoredTableName`: the ARN of the stream enabled on the restored table (a restore does
   * not carry the stream over; docs/operations.md). Directory events are forwarded from it.
   */
  readonly restoredTableStreamArn?: string;
  readonly logRetention: RetentionDays;
  /** Default limits of each HTTP API route (requests per second, steady and burst). */
  readonly apiThrottle: ThrottleLimits;
  /**
   * Tighter limits for named routes (`METHOD /path` exactly as the API's route keys), so a flood on
   * an anonymous route (say `POST /signin`) spends its own budget instead of the Lambda
   * concurrency SCIM and the ACS need. Unnamed routes use `apiThrottle`.
   */
  readonly routeThrottles: Readonly<Record<string, ThrottleLimits>>;
  /**
   * Concurrency reserved for (and capping) the admin Lambda, whose console URL is public: a flood
   * there cannot take the account's concurrency from SAML and SCIM. Lambda keeps 100 of the account
   * quota unreserved, so this needs a quota of at least 100 + this value: leave it unset in fresh
   * accounts, whose quota may be 10. @default - no reservation
   */
  readonly adminReservedConcurrency?: number;
  readonly alarms: {
    /** Percentage of 5xx among API requests over 5 minutes that raises the alarm. */
    readonly api5xxRatePercent: number;
    /**
     * Refused SAML responses in 5 minutes that raise the alarm. A spike usually means an IdP
     * rolled its signing certificate or a clock drifted, and every user of that tenant is locked out.
     */
    readonly samlRefusalsPer5Min: number;
    /**
     * Peak concurrent executions of all Lambdas in the account and region that raise the alarm:
     * set it to about 80% of the account's concurrency quota (Service Quotas, "Concurrent executions").
     */
    readonly accountConcurrency: number;
    /** Hours a membership purge backlog may persist (every run stopped by time) before it alarms. */
    readonly maintenanceBacklogHours: number;
  };
  /**
   * Shift SAML and SCIM traffic to a new version gradually through CodeDeploy (alias `live`), rolling
   * back automatically when the function's errors, latency or the API 5xx alarm fire.
   * @default - a new version takes all traffic at once
   */
  readonly trafficShifting?: TrafficShifting;
  /** @default - no WAF: the API's own throttles only */
  readonly waf?: WafConfig;
  /** X-Ray active tracing on the Lambdas. */
  readonly tracing: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * How often the maintenance Lambda finishes pending membership purges (deletes of groups larger
   * than a request's budget). Between runs, deleted groups' leftovers are invisible to clients;
   * they only take storage.
   */
  readonly maintenance: { readonly rateMinutes: number };
  /** Directory events (docs/events.md): the stage's EventBridge bus, its forwarder and an optional webhook. */
  readonly events: EventsConfig;
  /** The OpenID Connect provider for the product's apps. @default - no default app */
  readonly oidc?: OidcConfig;
}

export interface EventsConfig {
  /**
   * Minutes the forwarder may lag behind the table's stream (its iterator age) before it alarms.
   * Stream records live 24 hours: the alarm must fire long before.
   */
  readonly iteratorAgeAlarmMinutes: number;
  /** Deliver every directory event to the app's webhook (an EventBridge API destination). @default - the bus only */
  readonly webhook?: EventWebhookConfig;
}

export interface EventWebhookConfig {
  /** `https://…` endpoint that receives each event as JSON (POST). */
  readonly url: string;
  /**
   * Secrets Manager secret (name or ARN) whose plain-text value is sent as the `x-api-key` header.
   * @default - the stack creates `natoma-sso/<stage>/events-webhook-key` with a random value
   */
  readonly apiKeySecretName?: string;
  /** Requests per second the API destination sends at most. @default 50 */
  readonly rateLimitPerSecond?: number;
}

export interface OidcConfig {
  /**
   * Client ID of the app a sign-in no app started (an Okta tile, `/signin` opened directly) lands in,
   * through its initiate-login URI. Register it first (`npm run -s admin -- app create`).
   * @default - such sign-ins land on /dashboard
   */
  readonly defaultAppClientId?: string;
}

/** CodeDeploy's predefined Lambda configurations (`LambdaDeploymentConfig`). */
export type TrafficShifting =
  | 'CANARY_10PERCENT_5MINUTES'
  | 'CANARY_10PERCENT_10MINUTES'
  | 'CANARY_10PERCENT_15MINUTES'
  | 'LINEAR_10PERCENT_EVERY_1MINUTE'
  | 'LINEAR_10PERCENT_EVERY_2MINUTES'
  | 'LINEAR_10PERCENT_EVERY_10MINUTES';

export interface ThrottleLimits {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Anonymous routes, each with its own budget; IdPs and browsers stay far below these. */
const anonymousRouteThrottles = (scale: number): Record<string, ThrottleLimits> => ({
  'GET /signin': { rateLimit: 20 * scale, burstLimit: 40 * scale },
  'POST /signin': { rateLimit: 10 * scale, burstLimit: 20 * scale },
  'GET /saml/{tenantId}/login': { rateLimit: 20 * scale, burstLimit: 40 * scale },
  'POST /saml/{tenantId}/acs': { rateLimit: 50 * scale, burstLimit: 100 * scale },
  'GET /saml/{tenantId}/metadata': { rateLimit: 5 * scale, burstLimit: 10 * scale },
  'GET /saml/{tenantId}/test': { rateLimit: 5 * scale, burstLimit: 10 * scale },
  // OIDC clients cache discovery; authorize, token and userinfo go through one proxy route.
  'GET /.well-known/openid-configuration': { rateLimit: 10 * scale, burstLimit: 20 * scale },
  'ANY /oidc/{proxy+}': { rateLimit: 50 * scale, burstLimit: 100 * scale },
});

export const stages = {
  dev: {
    // Unpinned: deploys into the shell's account and region, on the execute-api URL.
    identity: {},
    required: [],
    terminationProtection: false,
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecovery: false,
    deletionProtection: false,
    logRetention: RetentionDays.ONE_WEEK,
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    routeThrottles: anonymousRouteThrottles(1),
    // A fresh account's quota may be 10.
    alarms: { api5xxRatePercent: 5, samlRefusalsPer5Min: 50, accountConcurrency: 8, maintenanceBacklogHours: 6 },
    tracing: true,
    logLevel: 'debug',
    maintenance: { rateMinutes: 5 },
    // A webhook, e.g.: webhook: { url: 'https://app.example.com/natoma-events' } (docs/operations.md).
    events: { iteratorAgeAlarmMinutes: 15 },
  },
  prod: {
    // Fill these in for your organisation (README "Deploying"); until then `cdk synth -c env=prod`
    // stops and names each missing one. Example:
    //   account: '123456789012',
    //   region: 'eu-west-1',
    //   publicDomain: { domainName: 'sso.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/…' },
    //   alarmRoute: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:platform-alarms' },
    identity: {},
    required: ['account', 'region', 'publicDomain', 'alarmRoute'],
    terminationProtection: true,
    // Kept on delete and on replacement, yet a failed first create rolls back cleanly: the retry
    // does not meet a retained, fixed-name SP secret ("already exists").
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    pointInTimeRecovery: true,
    deletionProtection: true,
    logRetention: RetentionDays.ONE_YEAR,
    // Okta's SCIM client stays well under this; a full import is sequential pages.
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    routeThrottles: anonymousRouteThrottles(5),
    adminReservedConcurrency: 20,
    // 10% of sign-ins and SCIM calls meet a new version for 5 minutes before the rest.
    trafficShifting: 'CANARY_10PERCENT_5MINUTES',
    // accountConcurrency assumes the default quota of 1,000; raise it with the quota.
    alarms: { api5xxRatePercent: 1, samlRefusalsPer5Min: 20, accountConcurrency: 800, maintenanceBacklogHours: 2 },
    tracing: true,
    logLevel: 'info',
    maintenance: { rateMinutes: 5 },
    events: { iteratorAgeAlarmMinutes: 5 },
    // oidc: { defaultAppClientId: '<clientId from `npm run -s admin -- app create`>' },
  },
} as const satisfies Record<StageName, StageConfig>;

export function isStageName(name: string): name is StageName {
  return (stageNames as readonly string[]).includes(name);
}

/** The config of `name`, or an error that lists the valid names. */
export function stageConfigFor(name: unknown): { stageName: StageName; config: StageConfig } {
  if (typeof name !== 'string' || !isStageName(name)) {
    throw new Error(`unknown environment "${String(name)}": pass -c env=NAME with one of ${stageNames.join(', ')}`);
  }
  return { stageName: name, config: stages[name] };
}

/** A lower-case DNS name with at least two labels. */
const dnsName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/;

const settingHelp: Record<RequiredSetting, string> = {
  account: 'identity.account (the 12-digit AWS account ID)',
  region: 'identity.region (e.g. eu-west-1)',
  publicDomain: 'identity.publicDomain (domainName and certificateArn; every Entity ID, ACS URL and SCIM base URL is built on it)',
  alarmRoute: 'identity.alarmRoute (email or topicArn)',
};

/**
 * Every problem with a stage's identity: required settings that are missing, then values that are
 * malformed. Empty when the stage may be synthesized.
 */
export function stageConfigProblems(config: StageConfig): string[] {
  const { identity } = config;
  const present: Record<RequiredSetting, boolean> = {
    account: identity.account !== undefined,
    region: identity.region !== undefined,
    publicDomain: identity.publicDomain !== undefined,
    alarmRoute: identity.alarmRoute?.email !== undefined || identity.alarmRoute?.topicArn !== undefined,
  };
  const problems = config.required.filter((setting) => !present[setting]).map((setting) => `missing ${settingHelp[setting]}`);

  if (identity.account !== undefined && !/^\d{12}$/.test(identity.account)) problems.push(`identity.account "${identity.account}" is not a 12-digit account ID`);
  if (identity.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(identity.region)) problems.push(`identity.region "${identity.region}" is not an AWS region name`);
  const domain = identity.publicDomain;
  if (domain !== undefined) {
    if (!dnsName.test(domain.domainName)) {
      problems.push(`identity.publicDomain.domainName "${domain.domainName}" is not a lower-case DNS name`);
    }
    const certificateRegion = /^arn:[^:]+:acm:([^:]+):/.exec(domain.certificateArn)?.[1];
    if (certificateRegion === undefined) problems.push(`identity.publicDomain.certificateArn "${domain.certificateArn}" is not an ACM certificate ARN`);
    else if (identity.region !== undefined && certificateRegion !== identity.region) {
      problems.push(`identity.publicDomain.certificateArn is in ${certificateRegion}, but the API's regional domain needs a certificate in ${identity.region}`);
    }
  }
  if (config.restoredTableName !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(config.restoredTableName)) {
    problems.push(`restoredTableName "${config.restoredTableName}" is not a DynamoDB table name`);
  }
  if (config.restoredTableName !== undefined && config.restoredTableStreamArn === undefined) {
    problems.push('restoredTableName needs restoredTableStreamArn: enable a stream (NEW_AND_OLD_IMAGES) on the restored table and give its ARN, or directory events stop (docs/operations.md)');
  }
  if (config.restoredTableStreamArn !== undefined && !/^arn:[^:]+:dynamodb:[^:]+:\d{12}:table\/[^/]+\/stream\/.+$/.test(config.restoredTableStreamArn)) {
    problems.push(`restoredTableStreamArn "${config.restoredTableStreamArn}" is not a DynamoDB stream ARN`);
  }
  problems.push(...eventsConfigProblems(config.events));
  const reserved = config.adminReservedConcurrency;
  if (reserved !== undefined && !(Number.isInteger(reserved) && reserved > 0)) problems.push(`adminReservedConcurrency ${reserved} is not a positive integer`);
  if (config.waf !== undefined) {
    if (!Number.isInteger(config.waf.ipRateLimitPer5Min) || config.waf.ipRateLimitPer5Min < 10) {
      problems.push(`waf.ipRateLimitPer5Min ${config.waf.ipRateLimitPer5Min} must be an integer of at least 10 (the WAF minimum)`);
    }
    if (identity.account === undefined || identity.region === undefined) problems.push('waf needs identity.account and identity.region (its web ACL lives in a us-east-1 companion stack)');
    const edgeCertificate = identity.publicDomain?.edgeCertificateArn;
    if (edgeCertificate === undefined) problems.push('waf needs identity.publicDomain.edgeCertificateArn (a us-east-1 ACM certificate for CloudFront)');
    else if (!/^arn:[^:]+:acm:us-east-1:/.test(edgeCertificate)) problems.push(`identity.publicDomain.edgeCertificateArn "${edgeCertificate}" is not an ACM certificate in us-east-1`);
  }
  const consoleDomain = identity.consoleDomain;
  if (consoleDomain !== undefined) {
    if (!dnsName.test(consoleDomain.domainName)) {
      problems.push(`identity.consoleDomain.domainName "${consoleDomain.domainName}" is not a lower-case DNS name`);
    }
    if (consoleDomain.domainName === domain?.domainName) problems.push('identity.consoleDomain.domainName must differ from identity.publicDomain.domainName');
    if (!/^arn:[^:]+:acm:us-east-1:/.test(consoleDomain.certificateArn)) {
      problems.push(`identity.consoleDomain.certificateArn "${consoleDomain.certificateArn}" is not an ACM certificate in us-east-1 (CloudFront)`);
    }
  }
  const route = identity.alarmRoute;
  if (route?.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(route.email)) problems.push(`identity.alarmRoute.email "${route.email}" is not an email address`);
  if (route?.topicArn !== undefined && !/^arn:[^:]+:sns:/.test(route.topicArn)) problems.push(`identity.alarmRoute.topicArn "${route.topicArn}" is not an SNS topic ARN`);
  return problems;
}

function eventsConfigProblems(events: EventsConfig): string[] {
  const problems: string[] = [];
  if (!(Number.isInteger(events.iteratorAgeAlarmMinutes) && events.iteratorAgeAlarmMinutes >= 1 && events.iteratorAgeAlarmMinutes <= 720)) {
    problems.push(`events.iteratorAgeAlarmMinutes ${events.iteratorAgeAlarmMinutes} must be an integer from 1 to 720 (stream records expire after 24 hours)`);
  }
  const webhook = events.webhook;
  if (webhook === undefined) return problems;
  let url: URL | undefined;
  try {
    url = new URL(webhook.url);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' || url.username !== '' || url.password !== '') {
    problems.push(`events.webhook.url "${webhook.url}" must be an https:// URL without credentials (EventBridge API destinations call https only)`);
  }
  const rate = webhook.rateLimitPerSecond;
  if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= 300)) {
    problems.push(`events.webhook.rateLimitPerSecond ${rate} must be an integer from 1 to 300`);
  }
  if (webhook.apiKeySecretName !== undefined && !/^(arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$/.test(webhook.apiKeySecretName)) {
    problems.push(`events.webhook.apiKeySecretName "${webhook.apiKeySecretName}" is not a Secrets Manager secret name or ARN`);
  }
  return problems;
}

/** Throws one error naming every missing or malformed setting of the stage. */
export function assertStageConfig(stageName: string, config: StageConfig): void {
  const problems = stageConfigProblems(config);
  if (problems.length > 0) {
    throw new Error(`stage "${stageName}" cannot be synthesized; edit its entry in lib/config/stages.ts:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Context keys that once overrode a stage's domain and alarm target per deploy. They are refused:
 * a deploy that forgot one would have moved every tenant's URLs.
 */
export const retiredContextKeys = ['alarmEmail', 'alarmTopicArn', 'domainName', 'certificateArn', 'hostedZoneId', 'hostedZoneName'] as const;

/** An error naming every retired `-c` key that was given, or undefined. */
export function retiredContextProblem(context: (key: string) => unknown): string | undefined {
  const given = retiredContextKeys.filter((key) => context(key) !== undefined);
  if (given.length === 0) return undefined;
  return `-c ${given.join(', -c ')} no longer change a stage: domain, certificate and alarm route are committed in lib/config/stages.ts (identity), so no deploy can move a stage's public URLs by omission`;
}
