import { Duration } from 'aws-cdk-lib';
import type { Alias } from 'aws-cdk-lib/aws-lambda';
import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import { EnvName } from '../../lambdas/http/env-names';
import { AppFunction, lambdaEntry, lambdaSources } from './app-function';
import type { IdentityTable } from './identity-table';
import type { ScimTokenSecrets } from './scim-token-secrets';
import type { SurfaceFunctionOptions } from './surface-options';
import { routeApiToSurface } from './surface-routes';

/** The SCIM base URL contains the tenant: `/scim/v2/{tenantId}`; everything below goes to one Lambda. */
export const scimRoutePaths = ['/scim/v2/{tenantId}', '/scim/v2/{tenantId}/{proxy+}'] as const;

export interface ScimEndpointsProps extends SurfaceFunctionOptions {
  readonly api: HttpApi;
  readonly table: IdentityTable;
  readonly tokenSecrets: ScimTokenSecrets;
}

/** SCIM 2.0 (RFC 7644) for Okta and other clients. Reads token hashes; never sees the SP key. */
export class ScimEndpoints extends Construct {
  readonly handler: AppFunction;
  /** Alias `live`, which the API invokes, when `trafficShifting` is on. */
  readonly liveAlias?: Alias;

  constructor(scope: Construct, id: string, props: ScimEndpointsProps) {
    super(scope, id);
    this.handler = new AppFunction(this, 'Handler', {
      entry: lambdaEntry(lambdaSources.scim),
      description: 'natoma-sso SCIM 2.0 server',
      // Large group PATCHes and list pages build big JSON documents: more memory, more CPU.
      memorySize: 1024,
      // HTTP API integrations time out at 30 s; 29 s lets API Gateway get the Lambda's own answer.
      timeout: Duration.seconds(29),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: {
        ...props.environment,
        [EnvName.tableName]: props.table.table.tableName,
        [EnvName.scimTokenSecretPrefix]: props.tokenSecrets.namePrefix,
      },
    });
    props.table.grantItemReadWrite(this.handler);
    props.tokenSecrets.grantRead(this.handler.executionRole);

    this.liveAlias = routeApiToSurface(this, this.handler, props.api, scimRoutePaths.map((path) => ({ path, methods: [HttpMethod.ANY] })), props.trafficShifting);
  }
}
