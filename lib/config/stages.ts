import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Names accepted by `cdk synth|deploy -c env=NAME`. */
export const stageNames = ['dev', 'prod'] as const;
export type StageName = (typeof stageNames)[number];

/** A custom domain for the public API (SAML, sign-in, SCIM). */
export interface CustomDomainConfig {
  /** e.g. `sso.example.com`. */
  readonly domainName: string;
  /** ACM certificate for `domainName`, in the stack's region (HTTP APIs use regional endpoints). */
  readonly certificateArn: string;
  /** When given, an alias A record is created in this zone; otherwise point DNS at the `ApiDomainTarget` output yourself. */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly zoneName: string };
}

/**
 * Everything that differs between environments. Constructs read these values and never test the
 * stage name (STYLE.md: environments are data).
 */
export interface StageConfig {
  /** Applied to the table, the SP credential secret and the log groups. */
  readonly removalPolicy: RemovalPolicy;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  /** Stage-wide limits of the HTTP API (requests per second, steady and burst). */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly alarms: {
    /** Percentage of 5xx among API requests over 5 minutes that raises the alarm. */
    readonly api5xxRatePercent: number;
    /** Subscribe this address to a new alarm topic. */
    readonly email?: string;
    /** Or send alarms to an existing SNS topic. */
    readonly topicArn?: string;
  };
  readonly customDomain?: CustomDomainConfig;
  /** X-Ray active tracing on the Lambdas. */
  readonly tracing: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * How often the maintenance Lambda finishes pending membership purges (deletes of groups larger
   * than a request's budget). Between runs, deleted groups' leftovers are invisible to clients;
   * they only take storage.
   */
  readonly maintenance: { readonly rateMinutes: number };
}

export const stages = {
  dev: {
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecovery: false,
    deletionProtection: false,
    logRetention: RetentionDays.ONE_WEEK,
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    alarms: { api5xxRatePercent: 5 },
    tracing: true,
    logLevel: 'debug',
    maintenance: { rateMinutes: 5 },
  },
  prod: {
    removalPolicy: RemovalPolicy.RETAIN,
    pointInTimeRecovery: true,
    deletionProtection: true,
    logRetention: RetentionDays.ONE_YEAR,
    // Okta's SCIM client stays well under this; a full import is sequential pages.
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    alarms: { api5xxRatePercent: 1 },
    tracing: true,
    logLevel: 'info',
    maintenance: { rateMinutes: 5 },
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

/** Context keys (`-c key=value`) that a platform team may set at deploy time instead of editing `stages`. */
export const overrideKeys = ['alarmEmail', 'alarmTopicArn', 'domainName', 'certificateArn', 'hostedZoneId', 'hostedZoneName'] as const;

/**
 * The stage config with deploy-time overrides applied, e.g.
 * `cdk deploy -c env=prod -c alarmEmail=ops@example.com -c domainName=sso.example.com -c certificateArn=arn:aws:acm:…`.
 * Throws one error listing every invalid or incomplete override.
 */
export function withContextOverrides(config: StageConfig, context: (key: string) => unknown): StageConfig {
  const value = (key: (typeof overrideKeys)[number]): string | undefined => {
    const raw = context(key);
    return raw === undefined || raw === null || raw === '' ? undefined : String(raw);
  };
  const problems: string[] = [];
  const alarmEmail = value('alarmEmail');
  const alarmTopicArn = value('alarmTopicArn');
  const domainName = value('domainName');
  const certificateArn = value('certificateArn');
  const hostedZoneId = value('hostedZoneId');
  const hostedZoneName = value('hostedZoneName');

  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) problems.push(`alarmEmail "${alarmEmail}" is not an email address`);
  if (alarmTopicArn !== undefined && !alarmTopicArn.startsWith('arn:')) problems.push(`alarmTopicArn "${alarmTopicArn}" is not an ARN`);
  if ((domainName === undefined) !== (certificateArn === undefined)) problems.push('domainName and certificateArn go together: set both or neither');
  if (certificateArn !== undefined && !/^arn:[^:]+:acm:/.test(certificateArn)) problems.push(`certificateArn "${certificateArn}" is not an ACM certificate ARN`);
  if ((hostedZoneId === undefined) !== (hostedZoneName === undefined)) problems.push('hostedZoneId and hostedZoneName go together: set both or neither');
  if (hostedZoneId !== undefined && domainName === undefined) problems.push('hostedZoneId needs domainName and certificateArn');
  if (problems.length > 0) throw new Error(`invalid deploy-time overrides: ${problems.join('; ')}`);

  return {
    ...config,
    alarms: {
      ...config.alarms,
      ...(alarmEmail !== undefined ? { email: alarmEmail } : {}),
      ...(alarmTopicArn !== undefined ? { topicArn: alarmTopicArn } : {}),
    },
    customDomain:
      domainName !== undefined && certificateArn !== undefined
        ? {
            domainName,
            certificateArn,
            ...(hostedZoneId !== undefined && hostedZoneName !== undefined ? { hostedZone: { hostedZoneId, zoneName: hostedZoneName } } : {}),
          }
        : config.customDomain,
  };
}
