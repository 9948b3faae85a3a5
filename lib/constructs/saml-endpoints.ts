import { Duration } from 'aws-cdk-lib';
import type { Alias } from 'aws-cdk-lib/aws-lambda';
import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EnvName } from '../../lambdas/http/env-names';
import { AppFunction, lambdaEntry, lambdaSources } from './app-function';
import type { IdentityTable } from './identity-table';
import type { SurfaceFunctionOptions } from './surface-options';
import { routeApiToSurface } from './surface-routes';

/** The routes the SAML Lambda answers (docs/architecture.md); anything else is API Gateway's 404. */
export const samlRoutes: ReadonlyArray<{ readonly path: string; readonly methods: readonly HttpMethod[] }> = [
  { path: '/health', methods: [HttpMethod.GET] },
  { path: '/signin', methods: [HttpMethod.GET, HttpMethod.POST] },
  { path: '/dashboard', methods: [HttpMethod.GET] },
  { path: '/logout', methods: [HttpMethod.GET, HttpMethod.POST] },
  { path: '/saml/{tenantId}/metadata', methods: [HttpMethod.GET] },
  { path: '/saml/{tenantId}/acs', methods: [HttpMethod.POST] },
  { path: '/saml/{tenantId}/login', methods: [HttpMethod.GET] },
  { path: '/saml/{tenantId}/test', methods: [HttpMethod.GET] },
];

export interface SamlEndpointsProps extends SurfaceFunctionOptions {
  readonly api: HttpApi;
  readonly table: IdentityTable;
  /** The SP key pair: the SAML Lambda may read it, nothing more. */
  readonly spCredentialSecret: ISecret;
  readonly spCredentialSecretName: string;
  /** Console URL, for links from the dashboard to Admin. @default - no link */
  readonly adminPublicUrl?: string;
  /** `OIDC_DEFAULT_CLIENT_ID`: a sign-in no app started lands at this app's initiate-login URI. @default - the dashboard */
  readonly defaultAppClientId?: string;
}

/** SAML SP endpoints, sign-in page, dashboard and `/health`, served by one Lambda. */
export class SamlEndpoints extends Construct {
  readonly handler: AppFunction;
  /** Alias `live`, which the API invokes, when `trafficShifting` is on. */
  readonly liveAlias?: Alias;

  constructor(scope: Construct, id: string, props: SamlEndpointsProps) {
    super(scope, id);
    this.handler = new AppFunction(this, 'Handler', {
      entry: lambdaEntry(lambdaSources.saml),
      description: 'natoma-sso SAML SP: metadata, ACS, sign-in, dashboard',
      // XML signature verification and decryption are CPU-bound; Lambda CPU scales with memory.
      memorySize: 512,
      // An ACS request is a few DynamoDB calls and one signature check: 10 s is ample and caps runaway XML.
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: {
        ...props.environment,
        [EnvName.tableName]: props.table.table.tableName,
        [EnvName.spKeySecretName]: props.spCredentialSecretName,
        ...(props.adminPublicUrl ? { [EnvName.adminPublicUrl]: props.adminPublicUrl } : {}),
        ...(props.defaultAppClientId ? { [EnvName.oidcDefaultClientId]: props.defaultAppClientId } : {}),
      },
    });
    props.table.grantItemReadWrite(this.handler);
    props.spCredentialSecret.grantRead(this.handler);

    this.liveAlias = routeApiToSurface(this, this.handler, props.api, samlRoutes, props.trafficShifting);
  }
}
