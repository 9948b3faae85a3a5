import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../lambdas/adapters/dynamodb/client';
import { ensureTable } from '../lambdas/adapters/dynamodb/ensure-table';
import { createDynamoAdapters } from '../lambdas/adapters/dynamodb/index';
import { composeAdminHandler } from '../lambdas/admin/handler';
import { composeMaintenance } from '../lambdas/maintenance/handler';
import { asTenantId, TENANT_ID_PATTERN } from '../lambdas/core/ids';
import { Logger, type LogLevel } from '../lambdas/http/logger';
import type { HttpEvent, HttpResult } from '../lambdas/http/request';
import { json } from '../lambdas/http/responses';
import { composeSamlHandler } from '../lambdas/saml/handler';
import { ensureSpCredential } from '../lambdas/saml/sp-credentials';
import { createScimHandler } from '../lambdas/scim/handler';
import type { EventSink } from '../lambdas/core/events/ports';
import { ensureDemo, type DemoOutcome } from './demo';
import { ndjsonSink, startEventStream, webhookSink, type RunningEventStream } from './event-stream';
import { createDevIdp } from './dev-idp';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from './dynamodb-local';
import { faithfulTwin, type FidelityOption } from './faithful/index';
import { scheduleMaintenance, type MaintenanceSchedule } from './maintenance-schedule';
import { FileSecretStore } from './file-secret-store';
import {
  API_GATEWAY_MAX_BODY_BYTES,
  BodyTooLargeError,
  FUNCTION_URL_MAX_BODY_BYTES,
  matchRoute,
  rawRequestOf,
  toHttpEvent,
  writeHttpResult,
  type RawRequest,
} from './http-bridge';
import { ensureOperatorKey, OPERATOR_KEY_HEADER, operatorKeyMatches } from './operator-key';
import { apiRoutes, type ApiSurface } from './routes';
import { closeServer, listen } from './listen';
import { composeTwinOidc, OIDC_SIGNING_KEY_SECRET_NAME } from './twin-oidc';

type Surface = (event: HttpEvent, context?: unknown) => Promise<HttpResult>;

export interface TwinOptions {
  /** Where DynamoDB Local's files, the secrets and the operator key live. */
  readonly dataDir: string;
  /** API port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** Admin port; 0 picks a free one. @default 3001 */
  readonly adminPort?: number;
  /** @default - http://127.0.0.1:${port} */
  readonly publicUrl?: string;
  /** @default - http://127.0.0.1:${adminPort} */
  readonly adminPublicUrl?: string;
  /** Use this DynamoDB (e.g. the test run's DynamoDB Local) instead of starting one. */
  readonly dynamoEndpoint?: string;
  /** Port for the DynamoDB Local the twin starts. @default - a free port */
  readonly dynamoPort?: number;
  /** @default 'natoma-sso' */
  readonly tableName?: string;
  /** Level of the handlers' JSON logs. @default 'info' */
  readonly logLevel?: LogLevel;
  /** Where the handlers' JSON log lines go. @default - stdout */
  readonly logSink?: (line: string) => void;
  /**
   * Set up the demo tenant (local/demo.ts) once the twin serves, through its own HTTP surfaces.
   * @default false - `npm start` turns it on; tests that want it ask for it
   */
  readonly demo?: boolean;
  /**
   * 'aws': replication lag on DynamoDB, several containers per surface, Lambda's and API Gateway's
   * limits (local/faithful/). @default - TWIN_FIDELITY, else 'friendly'
   */
  readonly fidelity?: FidelityOption;
  /**
   * Wraps the DynamoDB client every surface uses, outermost (after the faithful mode's lag), e.g. to
   * count what requests read (bench/okta-lifecycle.ts). @default - the client as composed
   */
  readonly wrapDb?: (db: DynamoDBDocumentClient) => DynamoDBDocumentClient;
  /**
   * Run the maintenance Lambda's work (membership purges, large member replaces, IdP metadata refresh) this
   * often, as the stage's EventBridge rule does on AWS. @default 0 - never (`npm start` runs it every minute)
   */
  readonly maintenanceEveryMs?: number;
  /**
   * Keep the handlers' CloudWatch EMF metric lines (lambdas/http/metrics.ts) in the log.
   * @default false - only CloudWatch reads them; locally they would double every request's output
   */
  readonly metrics?: boolean;
  /** The stage's default app (OIDC_DEFAULT_CLIENT_ID): sign-ins no app started land at its initiate-login URI. */
  readonly defaultAppClientId?: string;
  /**
   * More destinations for directory events, after DATA_DIR/events.ndjson and EVENTS_WEBHOOK_URL (e.g. the
   * OIDC back-channel logout sink). @default - none
   */
  readonly eventSinks?: readonly EventSink[];
  /** POST each event here (as the stage's API destination would). @default - EVENTS_WEBHOOK_URL, else none */
  readonly eventsWebhookUrl?: string;
  /** Sent as `x-api-key` with each POST. @default - EVENTS_WEBHOOK_KEY */
  readonly eventsWebhookKey?: string;
}

export interface RunningTwin {
  readonly apiUrl: string;
  readonly adminUrl: string;
  readonly apiPort: number;
  readonly adminPort: number;
  readonly operatorKey: string;
  readonly dataDir: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly spKeySecretName: string;
  readonly scimTokenSecretPrefix: string;
  /** Which API surfaces this build serves (the others answer 503). */
  readonly surfaces: Record<ApiSurface, boolean>;
  /** The demo tenant, when `demo` was asked for: ready, or why it was not set up. */
  readonly demo?: DemoOutcome;
  readonly oidcSigningKeySecretName: string;
  /** The OIDC back-channel logout EventSink: the twin's event stream delivers `session.ended` events to it. */
  readonly backchannelLogoutSink: EventSink;
  stop(): Promise<void>;
}

export const SP_KEY_SECRET_NAME = 'natoma-sso/local/sp-credentials';
/**
 * The twin's SAML surface re-reads the SP keyring after 1 s (deployed: 5 min), so that an
 * `sp-key rotate` step shows at once; the CLI spaces the steps by the same time.
 */
export const TWIN_SP_KEYRING_CACHE_MS = 1_000;
export const SCIM_TOKEN_SECRET_PREFIX = 'natoma-sso/local/scim-tokens/';

/** The IAM caller the twin injects once a request carried the operator key (what the IAM Function URL would add). */
const LOCAL_OPERATOR_IAM = {
  accessKey: 'LOCALOPERATOR',
  accountId: '000000000000',
  callerId: 'LOCALOPERATOR',
  userArn: 'arn:aws:iam::000000000000:user/local-operator',
  userId: 'LOCALOPERATOR',
};

const gatewayJson = (statusCode: number, message: string): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

/**
 * Serves `dispatch` over HTTP: each request becomes a payload 2.0 event (http-bridge.ts) and the
 * result is written back; body limits and handler crashes answer as API Gateway would.
 */
function createBridgeServer(
  maxBodyBytes: number,
  dispatch: (request: RawRequest, port: number) => Promise<HttpResult>,
  onCrash: (error: unknown) => void,
): Server {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      let result: HttpResult;
      try {
        const raw = await rawRequestOf(request, maxBodyBytes);
        result = await dispatch(raw, (server.address() as AddressInfo).port);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          result = gatewayJson(413, 'Request Entity Too Large');
          response.setHeader('connection', 'close');
        } else {
          onCrash(error);
          result = gatewayJson(500, 'Internal Server Error');
        }
      }
      writeHttpResult(response, result);
    })();
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

/**
 * Starts the whole stack on this machine: DynamoDB Local (or a given endpoint), the table from the
 * CDK's definition, a file secret store, the SP credential, the operator key, and two HTTP servers on
 * 127.0.0.1 that call the very same handler factories the Lambdas export.
 */
export async function startTwin(options: TwinOptions): Promise<RunningTwin> {
  const dataDir = resolve(options.dataDir);
  const tableName = options.tableName ?? 'natoma-sso';
  const baseSink = options.logSink ?? ((line: string) => process.stdout.write(line + '\n'));
  // While the demo is set up, its two dozen requests would bury the banner: only warnings and errors pass.
  let settingUpDemo = false;
  const sink = (line: string) => {
    if (!options.metrics && line.startsWith('{"_aws"')) return;
    if (settingUpDemo && /^\{"level":"(debug|info)"/.test(line)) return;
    baseSink(line);
  };
  const loggerFor = (service: string) => new Logger({ service }, options.logLevel ?? 'info', sink);
  const onCrash = (error: unknown) => sink(JSON.stringify({ level: 'error', service: 'twin', message: 'handler crashed', error: error instanceof Error ? error.stack : String(error) }));

  let api: Partial<Record<ApiSurface, Surface>> | undefined;
  let admin: Surface | undefined;
  let operatorKey = '';

  const apiServer = createBridgeServer(API_GATEWAY_MAX_BODY_BYTES, async (request, port) => {
    const path = request.url.split('?')[0]!;
    if (path === '/health' && request.method === 'GET') {
      const surfaces = { saml: Boolean(api?.saml), scim: Boolean(api?.scim), oidc: Boolean(api?.oidc), devIdp: Boolean(api?.['dev-idp']) };
      return json(api ? 200 : 503, { status: api ? 'ok' : 'starting', surface: 'api', surfaces });
    }
    if (!api) return gatewayJson(503, 'Service Unavailable: the twin is starting');
    const route = matchRoute(apiRoutes, request.method.toUpperCase(), path);
    if (!route) return gatewayJson(404, 'Not Found');
    const surface = apiRoutes.find((r) => `${r.method} ${r.path}` === route.routeKey)!.surface;
    const handler = api[surface];
    if (!handler) return json(503, { error: { code: 'not_available', message: `the ${surface} surface is not yet available in this build of the twin` } });
    return handler(toHttpEvent(request, { route, localPort: port }));
  }, onCrash);

  const adminServer = createBridgeServer(FUNCTION_URL_MAX_BODY_BYTES, async (request, port) => {
    const path = request.url.split('?')[0]!;
    if (path === '/health' && request.method === 'GET') return json(admin ? 200 : 503, { status: admin ? 'ok' : 'starting', surface: 'admin' });
    if (!admin) return gatewayJson(503, 'Service Unavailable: the twin is starting');
    const operatorPath = path === '/operator' || path.startsWith('/operator/');
    // The operator key stands in for SigV4 on the IAM Function URL: it is checked here and never reaches the handler.
    const presented: string[] = [];
    const headers: string[] = [];
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
      if (request.rawHeaders[i]!.toLowerCase() === OPERATOR_KEY_HEADER) presented.push(request.rawHeaders[i + 1]!);
      else headers.push(request.rawHeaders[i]!, request.rawHeaders[i + 1]!);
    }
    if (operatorPath && !(presented.length === 1 && operatorKeyMatches(operatorKey, presented[0]))) {
      return json(403, {
        Message: 'Forbidden',
        error: { code: 'forbidden', message: `missing or wrong operator key: send ${OPERATOR_KEY_HEADER} with the contents of ${join(dataDir, 'operator.key')} (npm run admin does this)` },
      });
    }
    const event = toHttpEvent({ ...request, rawHeaders: headers }, { route: { routeKey: '$default' }, localPort: port, ...(operatorPath ? { authorizer: { iam: LOCAL_OPERATOR_IAM }, accountId: LOCAL_OPERATOR_IAM.accountId } : {}) });
    return admin(event);
  }, onCrash);

  let dynamo: RunningDynamoDbLocal | undefined;
  let maintenance: MaintenanceSchedule | undefined;
  let eventStream: RunningEventStream | undefined;
  const stop = async () => {
    await maintenance?.stop();
    await eventStream?.stop();
    await Promise.all([closeServer(apiServer), closeServer(adminServer)]);
    await dynamo?.stop();
  };

  try {
    // Ports first: a taken port fails in milliseconds, before Java starts.
    const apiPort = await listen(apiServer, options.port ?? 3000, 'PORT');
    const adminPort = await listen(adminServer, options.adminPort ?? 3001, 'ADMIN_PORT');
    const publicBaseUrl = (options.publicUrl ?? `http://127.0.0.1:${apiPort}`).replace(/\/+$/, '');
    const adminPublicUrl = (options.adminPublicUrl ?? `http://127.0.0.1:${adminPort}`).replace(/\/+$/, '');

    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // The key first: a CLI started meanwhile finds it and gets "starting" rather than "no key".
    operatorKey = await ensureOperatorKey(dataDir);
    const secrets = new FileSecretStore(dataDir);
    const startDynamo = options.dynamoEndpoint
      ? Promise.resolve(options.dynamoEndpoint)
      : startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb'), port: options.dynamoPort }).then((running) => {
          dynamo = running;
          return running.endpoint;
        });
    // RSA key generation (first start only) overlaps with the JVM's start-up.
    // Filled once the table is ready; the dev IdP only looks tenants up when serving a request.
    const storage: { adapters?: ReturnType<typeof createDynamoAdapters> } = {};
    const startDevIdp = createDevIdp({
      baseUrl: `${publicBaseUrl}/_dev-idp`,
      dataDir,
      spLookup: async (tenantId) => {
        const tenant = storage.adapters && TENANT_ID_PATTERN.test(tenantId) ? await storage.adapters.tenants.get(asTenantId(tenantId)) : undefined;
        if (!tenant) return undefined;
        const sp = `${publicBaseUrl}/saml/${tenant.id}`;
        return { entityId: `${sp}/metadata`, acsUrl: `${sp}/acs`, emailDomain: tenant.domains[0] };
      },
      // Our SP metadata, read at the local port behind the public URL (a tunnel need not be reachable from here).
      spMetadata: async (entityId) => {
        if (!entityId.startsWith(`${publicBaseUrl}/saml/`)) return undefined;
        const response = await fetch(`http://127.0.0.1:${apiPort}${entityId.slice(publicBaseUrl.length)}`, { signal: AbortSignal.timeout(5_000) });
        return response.ok ? response.text() : undefined;
      },
    });
    // allSettled: a failure of one must not leave another (a JVM) running unseen by stop().
    const [started, credential, idp] = await Promise.allSettled([startDynamo, ensureSpCredential(secrets, SP_KEY_SECRET_NAME), startDevIdp]);
    if (started.status === 'rejected') throw started.reason;
    if (credential.status === 'rejected') throw credential.reason;
    if (idp.status === 'rejected') throw idp.reason;
    const dynamoEndpoint = started.value;
    const faithful = faithfulTwin(options.fidelity);
    if (faithful) sink(JSON.stringify({ level: 'info', service: 'twin', message: faithful.summary }));
    const rawDb = createDocumentClient({ endpoint: dynamoEndpoint });
    const composedDb = faithful ? faithful.wrapClient(rawDb) : rawDb;
    const db = options.wrapDb ? options.wrapDb(composedDb) : composedDb;
    const surface = faithful ? faithful.surface : (_name: string, compose: () => Surface) => compose();
    await ensureTable(db, tableName);
    const adapters = createDynamoAdapters({ db, tableName });
    storage.adapters = adapters;
    const oidc = await composeTwinOidc({ db, tableName, secrets, publicBaseUrl, logger: loggerFor('oidc'), dataDir });

    const runtime = {
      db,
      tableName,
      secrets,
      spKeySecretName: SP_KEY_SECRET_NAME,
      scimTokenSecretPrefix: SCIM_TOKEN_SECRET_PREFIX,
      publicBaseUrl,
      adminPublicUrl,
      runtimeMode: 'local' as const,
    };
    // Before the surfaces answer: /health says ready only once every part of the twin runs.
    const webhookUrl = options.eventsWebhookUrl ?? process.env.EVENTS_WEBHOOK_URL;
    eventStream = await startEventStream({
      dynamoEndpoint,
      tableName,
      dataDir,
      sinks: [ndjsonSink(dataDir), ...(webhookUrl ? [webhookSink(webhookUrl, options.eventsWebhookKey ?? process.env.EVENTS_WEBHOOK_KEY)] : []), oidc.backchannelLogoutSink, ...(options.eventSinks ?? [])],
      onError: (error, attempt) => {
        if (attempt % 10 === 0) sink(JSON.stringify({ level: 'warn', service: 'events', message: 'event delivery failed; retrying', error: error instanceof Error ? error.message : String(error) }));
      },
    });

    admin = surface('admin', () => composeAdminHandler({ ...runtime, logger: loggerFor('admin') }));
    api = {
      saml: surface('saml', () => composeSamlHandler({ ...runtime, logger: loggerFor('saml'), spKeyringCacheMs: TWIN_SP_KEYRING_CACHE_MS, defaultAppClientId: options.defaultAppClientId })),
      oidc: surface('oidc', oidc.compose),
      scim: surface('scim', () => createScimHandler({ ...adapters, secrets, secretPrefix: SCIM_TOKEN_SECRET_PREFIX, publicBaseUrl, logger: loggerFor('scim') })),
      'dev-idp': (event) => idp.value.handleEvent(event),
    };

    if (options.maintenanceEveryMs) {
      maintenance = scheduleMaintenance(composeMaintenance({ db, tableName, runtimeMode: 'local', logger: loggerFor('maintenance') }), options.maintenanceEveryMs);
    }

    const running = {
      apiUrl: publicBaseUrl,
      adminUrl: adminPublicUrl,
      apiPort,
      adminPort,
      operatorKey,
      dataDir,
      dynamoEndpoint,
      tableName,
      spKeySecretName: SP_KEY_SECRET_NAME,
      scimTokenSecretPrefix: SCIM_TOKEN_SECRET_PREFIX,
      oidcSigningKeySecretName: OIDC_SIGNING_KEY_SECRET_NAME,
      backchannelLogoutSink: oidc.backchannelLogoutSink,
      surfaces: { saml: Boolean(api.saml), scim: Boolean(api.scim), oidc: Boolean(api.oidc), 'dev-idp': Boolean(api['dev-idp']) },
      stop,
    };
    if (!options.demo) return running;
    settingUpDemo = true;
    const demo: DemoOutcome = await ensureDemo(running).then(
      (ready) => ({ ready }),
      (error: unknown) => ({ skipped: error instanceof Error ? error.message : String(error) }),
    );
    settingUpDemo = false;
    return { ...running, demo };
  } catch (error) {
    await stop();
    throw error;
  }
}
