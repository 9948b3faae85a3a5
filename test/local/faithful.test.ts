import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { HttpEvent, HttpResult } from '../../lambdas/http/request';
import { containerPool } from '../../local/faithful/containers';
import { faithfulTwin } from '../../local/faithful/index';
import { invokeWithinLimits, LAMBDA_MAX_PAYLOAD_BYTES, type DeployedSurface } from '../../local/faithful/lambda-limits';
import { OPERATOR_KEY_HEADER } from '../../local/operator-key';
import { startTwin, type RunningTwin } from '../../local/twin';
import { countingClient, type CountingClient } from '../support/counting-client';
import { httpEvent } from '../support/http-event';

const API: DeployedSurface = { lambdaTimeoutMs: 29_000, frontedBy: 'http-api' };
const FUNCTION_URL: DeployedSurface = { lambdaTimeoutMs: 30_000, frontedBy: 'function-url' };
const ok = (body = 'ok'): HttpResult => ({ statusCode: 200, body });
const bodyOf = (result: HttpResult) => JSON.parse(result.body ?? '{}') as Record<string, unknown>;

describe("the faithful twin's Lambda and API Gateway limits", () => {
  afterEach(() => vi.useRealTimers());

  it('answers 413 without invoking the function when the event passes 6 MB', async () => {
    const handler = vi.fn(async () => ok());
    const event = httpEvent('POST', '/scim/v2/t/Users', { body: 'x'.repeat(LAMBDA_MAX_PAYLOAD_BYTES), headers: { 'content-type': 'application/scim+json' } });

    const result = await invokeWithinLimits(handler, event, API);

    expect(result.statusCode).toBe(413);
    expect(bodyOf(result)).toEqual({ message: 'Request Entity Too Large' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('turns a response over 6 MB into 500 behind API Gateway and 502 behind a Function URL', async () => {
    const huge = async () => ok('y'.repeat(LAMBDA_MAX_PAYLOAD_BYTES));
    const event = httpEvent('GET', '/scim/v2/t/Users');

    const viaApi = await invokeWithinLimits(huge, event, API);
    const viaUrl = await invokeWithinLimits(huge, event, FUNCTION_URL);

    expect([viaApi.statusCode, bodyOf(viaApi)]).toEqual([500, { message: 'Internal Server Error' }]);
    expect(viaUrl.statusCode).toBe(502);
  });

  it("fails a request past the function's timeout with 500, and past API Gateway's 30 s with 503", async () => {
    vi.useFakeTimers();
    const never = () => new Promise<HttpResult>(() => undefined);
    const event = httpEvent('GET', '/scim/v2/t/Users');

    const lambdaTimeout = invokeWithinLimits(never, event, API);
    const gatewayTimeout = invokeWithinLimits(never, event, { lambdaTimeoutMs: 60_000, frontedBy: 'http-api' });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(await lambdaTimeout).toMatchObject({ statusCode: 500 });
    await vi.advanceTimersByTimeAsync(1_000);
    const late = await gatewayTimeout;
    expect([late.statusCode, bodyOf(late)]).toEqual([503, { message: 'Service Unavailable' }]);
  });

  it('passes a request within the limits through unchanged', async () => {
    const result = await invokeWithinLimits(async () => ok('fine'), httpEvent('GET', '/x'), API);
    expect(result).toEqual(ok('fine'));
  });
});

describe('the faithful twin’s containers', () => {
  /** A surface that says which composition answered: its own module-level state. */
  const numbered = () => {
    let compositions = 0;
    return () => {
      const me = ++compositions;
      return async () => ok(String(me));
    };
  };

  it('composes each container separately and spreads consecutive requests over them', async () => {
    const pool = containerPool(numbered(), 3, API);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push((await pool.handle(httpEvent('GET', '/x'))).body!);

    expect(answers).toEqual(['1', '2', '3', '1', '2', '3']);
    expect(pool.coldStarts()).toBe(3);
  });

  it('gives a request to an idle container rather than a busy one', async () => {
    let release: () => void = () => undefined;
    let compositions = 0;
    const pool = containerPool(() => {
      const me = ++compositions;
      return async (event: HttpEvent) => {
        if (event.rawPath === '/slow') await new Promise<void>((resolve) => (release = resolve));
        return ok(String(me));
      };
    }, 2, API);

    const slow = pool.handle(httpEvent('GET', '/slow')); // container 1, busy
    const first = await pool.handle(httpEvent('GET', '/x'));
    const second = await pool.handle(httpEvent('GET', '/x'));
    release();

    expect([first.body, second.body]).toEqual(['2', '2']);
    expect((await slow).body).toBe('1');
  });

  it('replaces a container whose invocation timed out with a fresh composition (a cold start)', async () => {
    let compositions = 0;
    const pool = containerPool(() => {
      compositions++;
      return compositions === 1 ? () => new Promise<HttpResult>(() => undefined) : async () => ok();
    }, 1, API, { timeoutMs: 20 });

    expect((await pool.handle(httpEvent('GET', '/x'))).statusCode).toBe(500);
    expect((await pool.handle(httpEvent('GET', '/x'))).statusCode).toBe(200);
    expect(pool.coldStarts()).toBe(2);
  });

  it('stays off unless asked: the friendly twin composes as before', () => {
    expect(faithfulTwin(undefined, {})).toBeUndefined();
    expect(faithfulTwin(undefined, { TWIN_FIDELITY: 'aws' })?.settings).toEqual({ replicationLagMs: 1000, containers: 3 });
    expect(() => faithfulTwin(undefined, { TWIN_FIDELITY: 'paranoid' })).toThrow(/TWIN_FIDELITY must be "aws" or "friendly"/);
  });
});

describe('startTwin with fidelity aws', { timeout: 120_000 }, () => {
  let twin: RunningTwin;
  const logs: string[] = [];
  let counting: CountingClient | undefined;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'natoma-faithful-'));
    twin = await startTwin({
      dataDir,
      port: 0,
      adminPort: 0,
      dynamoEndpoint: inject('dynamoEndpoint'),
      tableName: `faithful-${randomUUID()}`,
      logLevel: 'error',
      logSink: (line) => logs.push(line),
      fidelity: { mode: 'aws', containers: 3, replicationLagMs: 1000 },
      wrapDb: (db) => (counting = countingClient(db)).db,
    });
  }, 120_000);
  afterAll(async () => {
    await twin?.stop();
    await rm(twin.dataDir, { recursive: true, force: true });
  });

  it('says it runs faithful, and serves a read right after a write across its containers', async () => {
    expect(logs.some((line) => line.includes('faithful mode') && line.includes('3 containers'))).toBe(true);
    const operator = { [OPERATOR_KEY_HEADER]: twin.operatorKey, 'content-type': 'application/json' };
    const created = await fetch(`${twin.adminUrl}/operator/tenants`, { method: 'POST', headers: operator, body: JSON.stringify({ name: 'Lag', domains: ['lag.example'] }) });
    expect(created.status).toBe(201);
    const { tenantId } = (await created.json()) as { tenantId: string };

    // Three reads at once, each in its own container, all within the replication lag.
    const shown = await Promise.all([1, 2, 3].map(() => fetch(`${twin.adminUrl}/operator/tenants/${tenantId}`, { headers: operator })));
    expect(shown.map((response) => response.status)).toEqual([200, 200, 200]);
  });

  it("gives wrapDb the client every surface reads through, so a bench can count a request's reads", async () => {
    const operator = { [OPERATOR_KEY_HEADER]: twin.operatorKey, 'content-type': 'application/json' };
    const created = await fetch(`${twin.adminUrl}/operator/tenants`, { method: 'POST', headers: operator, body: JSON.stringify({ name: 'Counted', domains: ['counted.example'] }) });
    const { tenantId } = (await created.json()) as { tenantId: string };

    const { result, counts } = await counting!.measure(() => fetch(`${twin.adminUrl}/operator/tenants/${tenantId}`, { headers: operator }));

    expect(result.status).toBe(200);
    expect(counts.itemsRead).toBeGreaterThanOrEqual(1);
    expect(counts.scanned).toBe(false);
  });

  it('answers 413 as API Gateway does for a SCIM request over 6 MB', async () => {
    const response = await fetch(`${twin.apiUrl}/scim/v2/t000000000000/Users`, {
      method: 'POST',
      headers: { 'content-type': 'application/scim+json', authorization: 'Bearer x' },
      body: JSON.stringify({ userName: 'big', padding: 'z'.repeat(LAMBDA_MAX_PAYLOAD_BYTES) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
  });
});
