import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stages, type StageConfig, type StageIdentity, type StageName } from '../../lib/config/stages';
import { NatomaSsoStack } from '../../lib/stacks/natoma-sso-stack';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
/** The feature flags and defaults of cdk.json, as `cdk synth` applies them. */
export const cdkContext: Record<string, unknown> = cdkJson.context ?? {};

const memo = new Map<string, Synthesized>();

export interface Synthesized {
  readonly app: App;
  readonly stack: NatomaSsoStack;
  readonly template: Template;
}

/**
 * A made-up identity for stages that require one (prod). The committed prod entry belongs to the
 * platform team that deploys it (and is empty in this repository), so tests never depend on it.
 */
export const testIdentity = {
  account: '111111111111',
  region: 'eu-west-1',
  publicDomain: { domainName: 'sso.example.com', certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/test' },
  alarmRoute: { email: 'ops@example.com' },
} as const satisfies StageIdentity;

/** The committed config of a stage, with `testIdentity` where the stage requires identity settings. */
export function testConfig(stageName: StageName, overrides: Partial<StageConfig> = {}): StageConfig {
  const committed: StageConfig = stages[stageName];
  return { ...committed, ...(committed.required.length > 0 ? { identity: testIdentity } : {}), ...overrides };
}

/**
 * The stack as `cdk synth -c env=<stage>` builds it (same cdk.json context), with bundling skipped so
 * a synth takes about a second; results are memoized per stage and overrides (treat them as read-only).
 * `overrides` changes the stage config (see `testConfig`).
 */
export function synth(stageName: StageName, overrides: Partial<StageConfig> = {}): Synthesized {
  const key = JSON.stringify([stageName, overrides]);
  const cached = memo.get(key);
  if (cached) return cached;
  const app = new App({ context: { ...cdkContext, env: stageName, 'aws:cdk:bundling-stacks': [] } });
  const stack = new NatomaSsoStack(app, `NatomaSso-${stageName}`, {
    stageName,
    config: testConfig(stageName, overrides),
  });
  const synthesized = { app, stack, template: Template.fromStack(stack) };
  memo.set(key, synthesized);
  return synthesized;
}

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** Logical ID of the one Lambda function whose Description matches. */
export function functionId(template: Template, description: RegExp): string {
  const matches = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([, fn]) =>
    description.test(String(fn.Properties?.Description ?? '')),
  );
  if (matches.length !== 1) throw new Error(`expected one function matching ${description}, found ${matches.length}`);
  return matches[0]![0];
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every policy statement attached (inline or via AWS::IAM::Policy) to the execution role of a function. */
export function roleStatements(template: Template, functionLogicalId: string): Statement[] {
  const fn = resourcesOf(template, 'AWS::Lambda::Function')[functionLogicalId];
  const roleRef = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements: Statement[] = [];
  for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
    const roles = (policy.Properties?.Roles ?? []) as Array<{ Ref: string }>;
    if (roles.some((role) => role.Ref === roleRef)) {
      statements.push(...((policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement ?? []));
    }
  }
  const role = resourcesOf(template, 'AWS::IAM::Role')[roleRef];
  for (const inline of (role?.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>) {
    statements.push(...inline.PolicyDocument.Statement);
  }
  return statements;
}

export const actionsOf = (statements: Statement[]): string[] =>
  statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));

/** Every acknowledgement (`Validations.of(x).acknowledge`) recorded in the construct tree. */
export function acknowledgements(app: App): Array<{ path: string; id: string; reason: string }> {
  const found: Array<{ path: string; id: string; reason: string }> = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id, reason });
      }
    }
  }
  return found;
}
