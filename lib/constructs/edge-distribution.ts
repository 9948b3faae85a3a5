import { Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

export interface EdgeDistributionProps {
  /** Host name of the origin (the execute-api host, a Function URL host); no scheme, no path. */
  readonly originHost: string;
  readonly domainName: string;
  /** ACM certificate for `domainName` in us-east-1. */
  readonly certificateArn: string;
  /** When given, an alias A record for `domainName` is created in this zone. */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly zoneName: string };
  /** ARN of a CLOUDFRONT-scope web ACL (NatomaSsoEdgeStack). @default - no WAF */
  readonly webAclArn?: string;
  /** Shown in the CloudFront console. */
  readonly comment: string;
}

/**
 * CloudFront on a custom domain in front of an HTTPS origin that serves dynamic pages: nothing is
 * cached; every viewer header but Host, every cookie and query string goes to the origin. Used for
 * the public API when WAF is on (WAF cannot attach to an HTTP API) and for the console's domain.
 */
export class EdgeDistribution extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: EdgeDistributionProps) {
    super(scope, id);
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${props.comment} (${Stack.of(this).stackName})`,
      domainNames: [props.domainName],
      certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: HttpVersion.HTTP2_AND_3,
      webAclId: props.webAclArn,
      defaultBehavior: {
        origin: new HttpOrigin(props.originHost, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      },
    });
    if (props.hostedZone) {
      new ARecord(this, 'AliasRecord', {
        zone: HostedZone.fromHostedZoneAttributes(this, 'Zone', props.hostedZone),
        recordName: props.domainName,
        target: RecordTarget.fromAlias(new CloudFrontTarget(this.distribution)),
      });
    }

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Tenants and their users sign in from anywhere; a geo restriction would lock out customers. WAF rules and per-route throttles limit abuse instead.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason: 'The origins log every request already (API access log without query strings or headers; the console Lambda logs); WAF metrics and sampled requests cover what CloudFront logs would add.',
      },
    );
    if (!props.webAclArn) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason: 'This stage runs without WAF (no `waf` in its config): the console is capped by the admin Lambda reserved concurrency instead; turning `waf` on attaches the web ACL here too.',
      });
    }
  }
}
