import { PayloadFormatVersion, type HttpApi, type HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alias, type IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { AppFunction } from './app-function';

/** One API route of a surface: a path and the methods it answers. */
export interface SurfaceRoute {
  readonly path: string;
  readonly methods: readonly HttpMethod[];
}

/**
 * Routes a surface's paths to its function (payload 2.0), or, with `trafficShifting`, to an alias `live`
 * on the function's current version that CodeDeploy shifts gradually. Returns that alias. The construct IDs
 * (`LiveAlias` in `scope`, the integration `Integration`) are those every surface has always had.
 */
export function routeApiToSurface(scope: Construct, handler: AppFunction, api: HttpApi, routes: readonly SurfaceRoute[], trafficShifting = false): Alias | undefined {
  const liveAlias = trafficShifting ? new Alias(scope, 'LiveAlias', { aliasName: 'live', version: handler.currentVersion }) : undefined;
  const target: IFunction = liveAlias ?? handler;
  const integration = new HttpLambdaIntegration('Integration', target, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 });
  for (const route of routes) api.addRoutes({ path: route.path, methods: [...route.methods], integration });
  return liveAlias;
}
