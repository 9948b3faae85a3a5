import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ScimTokenSecretsProps {
  /** e.g. `natoma-sso/prod/scim-tokens/`; each tenant's secret is `${namePrefix}${tenantId}`. */
  readonly namePrefix: string;
}

/**
 * The per-tenant SCIM token hash secrets. They are created at runtime by the admin Lambda (one per
 * tenant that enables SCIM), so the stack holds only their name prefix and the ARN pattern grants use.
 * They are not CloudFormation resources: deleting the stack leaves them (delete them by prefix).
 */
export class ScimTokenSecrets extends Construct {
  readonly namePrefix: string;
  /** `arn:…:secret:${namePrefix}*`; the `*` also covers the random suffix Secrets Manager appends. */
  readonly arnPattern: string;

  constructor(scope: Construct, id: string, props: ScimTokenSecretsProps) {
    super(scope, id);
    if (!props.namePrefix.endsWith('/')) {
      throw new Error(`ScimTokenSecrets namePrefix must end with "/" so grants cannot reach sibling names, got "${props.namePrefix}"`);
    }
    this.namePrefix = props.namePrefix;
    this.arnPattern = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${props.namePrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Read token hashes (the SCIM Lambda). */
  grantRead(role: IRole): void {
    this.grant(role, ['secretsmanager:GetSecretValue'], 'reads');
  }

  /** Create, rotate, read and delete token hash secrets (the admin Lambda). */
  grantManage(role: IRole): void {
    this.grant(role, [...MANAGE_ACTIONS], 'manages');
  }

  private grant(role: IRole, actions: string[], verb: string): void {
    role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [this.arnPattern] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(Stack.of(this), this.arnPattern)}]`,
      reason: `One secret per tenant is created at runtime, so the role ${verb} them by name prefix; the prefix is this stage's SCIM token prefix and nothing else (not the SP key).`,
    });
  }
}

/** What the admin Lambda does with token hash secrets: create on enable, rotate, read, delete on disable. */
export const MANAGE_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:GetSecretValue',
  'secretsmanager:DescribeSecret',
  'secretsmanager:DeleteSecret',
] as const;

/**
 * How cdk-nag names a resource in a finding: the literal ARN in a stack pinned to an account and
 * region, `<AWS::Region>`-style placeholders for the pseudo parameters of an environment-agnostic one.
 */
function nagResourceName(stack: Stack, arn: string): string {
  const resolved: unknown = stack.resolve(arn);
  if (typeof resolved === 'string') return resolved;
  const [, parts] = (resolved as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join('');
}
