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
