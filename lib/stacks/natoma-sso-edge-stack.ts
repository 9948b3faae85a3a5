import { Stack, type StackProps } from 'aws-cdk-lib';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { WafConfig } from '../config/stages';

export interface NatomaSsoEdgeStackProps extends StackProps {
  readonly waf: WafConfig;
}

/** AWS managed rule groups, in evaluation order after the IP reputation list. */
const managedRuleGroups = [
  // Known malicious sources (bots, scanners): cheap to evaluate, so first.
  { name: 'AWSManagedRulesAmazonIpReputationList', overrides: [] },
  // OWASP-style checks. A SAML response POSTed to the ACS or a large SCIM group PATCH can pass the
  // 8 KB body limit legitimately: that one rule only counts.
  { name: 'AWSManagedRulesCommonRuleSet', overrides: ['SizeRestrictions_BODY'] },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet', overrides: [] },
] as const;

/**
 * The web ACL of a stage's CloudFront distribution. CloudFront web ACLs must live in us-east-1,
 * so this small stack sits there beside the stage's own stack, which references the ACL's ARN
 * (CDK cross-region references).
 */
export class NatomaSsoEdgeStack extends Stack {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: NatomaSsoEdgeStackProps) {
    super(scope, id, props);
    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'natoma-sso public API: AWS managed rules and a per-IP rate limit on the non-SCIM routes',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('natoma-sso-web-acl'),
      rules: [
        ...managedRuleGroups.map((group, priority) => ({
          name: group.name,
          priority,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: group.name,
              ruleActionOverrides: group.overrides.map((name) => ({ name, actionToUse: { count: {} } })),
            },
          },
          visibilityConfig: visibility(group.name),
        })),
        {
          // Sign-in, SAML and metadata routes are anonymous: one address may not flood them. SCIM
          // clients (Okta, Entra) send bursts from few addresses and authenticate every request.
          name: 'RateLimitPerIpOutsideScim',
          priority: managedRuleGroups.length,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.waf.ipRateLimitPer5Min,
              aggregateKeyType: 'IP',
              scopeDownStatement: {
                notStatement: {
                  statement: {
                    byteMatchStatement: {
                      fieldToMatch: { uriPath: {} },
                      positionalConstraint: 'STARTS_WITH',
                      searchString: '/scim/',
                      textTransformations: [{ priority: 0, type: 'NONE' }],
                    },
                  },
                },
              },
            },
          },
          visibilityConfig: visibility('RateLimitPerIpOutsideScim'),
        },
      ],
    });
  }
}
