import { Fn, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
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
import type { PublicDomainConfig } from '../config/stages';

export interface EdgeDistributionProps {
  readonly api: HttpApi;
  /** The public domain; `edgeCertificateArn` must be set (us-east-1). */
  readonly publicDomain: PublicDomainConfig & { readonly edgeCertificateArn: string };
  /** ARN of a CLOUDFRONT-scope web ACL (NatomaSsoEdgeStack). */
  readonly webAclArn: string;
}

/**
 * CloudFront on the public domain, in front of the HTTP API, so that AWS WAF can inspect requests
 * (WAF cannot attach to an HTTP API). Nothing is cached; every viewer header but Host, every
 * cookie and query string goes to the API, whose execute-api host CloudFront calls.
 */
export class EdgeDistribution extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: EdgeDistributionProps) {
    super(scope, id);
    const { domainName, edgeCertificateArn, hostedZone } = props.publicDomain;
    // apiEndpoint is https://<id>.execute-api.<region>.amazonaws.com: CloudFront wants the host alone.
    const apiHost = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `natoma-sso public API (${Stack.of(this).stackName}) behind AWS WAF`,
      domainNames: [domainName],
      certificate: Certificate.fromCertificateArn(this, 'Certificate', edgeCertificateArn),
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: HttpVersion.HTTP2_AND_3,
      webAclId: props.webAclArn,
      defaultBehavior: {
        origin: new HttpOrigin(apiHost, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      },
    });
    if (hostedZone) {
      new ARecord(this, 'AliasRecord', {
        zone: HostedZone.fromHostedZoneAttributes(this, 'Zone', hostedZone),
        recordName: domainName,
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
        reason: 'Every request is logged once already, by the HTTP API access log (no query strings, no headers); WAF metrics and sampled requests cover what CloudFront logs would add.',
      },
    );
  }
}
