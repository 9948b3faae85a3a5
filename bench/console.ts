import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createDocumentClient } from '../lambdas/adapters/dynamodb/client';
import { createDynamoAdapters } from '../lambdas/adapters/dynamodb/index';
import { asTenantId, asUserId } from '../lambdas/core/ids';
import { launchChromium } from '../test/support/browser';
import { startTwin } from '../local/twin';

const PAGES = ['/sso', '/scim', '/users', '/groups', '/activity', '/plan'] as const;
const RUNS = 5;

interface Load {
  readonly bytes: number;
  readonly requests: number;
  readonly domInteractiveMs: number;
  readonly loadMs: number;
  /** Until the console script has run and wired the page (html[data-ready]). */
  readonly readyMs: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const kb = (bytes: number): number => Math.round((bytes / 1024) * 10) / 10;
const ms = (value: number): number => Math.round(value * 10) / 10;

async function load(page: Page, url: string): Promise<Load> {
  const sizes: Promise<number>[] = [];
  const onRequestFinished = (request: import('playwright-core').Request) => {
    sizes.push(request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize).catch(() => 0));
  };
  page.on('requestfinished', onRequestFinished);
  const started = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('html[data-ready="true"]');
  const readyWall = Date.now() - started;
  page.off('requestfinished', onRequestFinished);
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { domInteractive: nav.domInteractive - nav.startTime, load: nav.loadEventEnd - nav.startTime };
  });
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  return { bytes, requests: sizes.length, domInteractiveMs: timing.domInteractive, loadMs: timing.load, readyMs: readyWall };
}

/**
 * Page weight (KB transferred, headers included) and time to interactive of every console page, in
 * headless Chromium against an in-process twin: cold (empty cache) and warm (assets cached, as on
 * every navigation after the first). Medians of 5 loads.
 */
export async function benchConsole(dynamoEndpoint?: string): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'natoma-bench-console-'));
  const tableName = `bench-console-${randomUUID()}`;
  const twin = await startTwin({ dataDir, port: 0, adminPort: 0, dynamoEndpoint, tableName, logLevel: 'error', logSink: () => {} });
  const browser = await launchChromium();
  try {
    const operator = async (path: string, body: unknown) => {
      const response = await fetch(`${twin.adminUrl}${path}`, { method: 'POST', headers: { 'x-natoma-operator-key': twin.operatorKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const tenant = await operator('/operator/tenants', { name: 'Bench Corp', domains: [`bench-${randomUUID().slice(0, 8)}.example`], plan: 'paid' });
    const tenantId = asTenantId(tenant.tenantId as string);
    // A realistic listing: a full page of users and of events.
    const adapters = createDynamoAdapters({ db: createDocumentClient({ endpoint: twin.dynamoEndpoint }), tableName: twin.tableName });
    const now = new Date().toISOString();
    for (let i = 0; i < 60; i++) {
      const userName = `person${i}@bench.example`;
      await adapters.users.create({ tenantId, id: asUserId(randomUUID()), userName, displayName: `Person Number ${i}`, active: i % 9 !== 0, emails: [{ value: userName, primary: true }], profile: {}, source: i % 3 ? 'scim' : 'jit', isAdmin: false, createdAt: now, updatedAt: now, version: 1 });
      await adapters.activity.record({ tenantId, id: randomUUID(), at: new Date(Date.now() - i * 1000).toISOString(), category: 'provisioning', type: 'user.created', actor: 'scim-token:tok_bench', target: userName, summary: `User ${userName} created by SCIM` });
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const link = await operator(`/operator/tenants/${tenantId}/console-links`, { email: 'bench-admin@bench.example' });
    await page.goto(link.url as string);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');

    const pages: Record<string, unknown> = {};
    for (const path of PAGES) {
      const cold: Load[] = [];
      const warm: Load[] = [];
      for (let run = 0; run < RUNS; run++) {
        await cdp.send('Network.clearBrowserCache');
        cold.push(await load(page, `${twin.adminUrl}${path}`));
        warm.push(await load(page, `${twin.adminUrl}${path}`));
      }
      pages[path] = {
        coldKB: kb(median(cold.map((l) => l.bytes))),
        warmKB: kb(median(warm.map((l) => l.bytes))),
        requestsCold: median(cold.map((l) => l.requests)),
        domInteractiveMs: ms(median(cold.map((l) => l.domInteractiveMs))),
        loadMs: ms(median(cold.map((l) => l.loadMs))),
        interactiveMs: ms(median(cold.map((l) => l.readyMs))),
        warmInteractiveMs: ms(median(warm.map((l) => l.readyMs))),
      };
    }
    const signedOut = await browser.newContext();
    const loginPage = await signedOut.newPage();
    const login = await load(loginPage, `${twin.adminUrl}/login`);
    pages['/login'] = { coldKB: kb(login.bytes), requestsCold: login.requests, domInteractiveMs: ms(login.domInteractiveMs), interactiveMs: ms(login.readyMs) };
    const values = Object.values(pages) as Array<{ coldKB: number; interactiveMs: number }>;
    return {
      method: `headless Chromium, in-process twin on 127.0.0.1, median of ${RUNS} loads; KB = response headers + bodies; interactive = until the console script wired the page`,
      pages,
      maxColdKB: Math.max(...values.map((v) => v.coldKB)),
      maxInteractiveMs: Math.max(...values.map((v) => v.interactiveMs)),
    };
  } finally {
    await browser.close();
    await twin.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
