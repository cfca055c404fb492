import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machinesById } from '../../machines/index.js';
import { startStatorServer, type StatorServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logging/logger.js';
import { createStator } from '../../src/runtime/create-stator.js';
import type { Stator } from '../../src/runtime/stator.js';
import { startRedis, type TestServer } from '../integration/cache/test-servers.js';
import { collectErrors, launchBrowser } from './browser.js';

// Ports of the dashboard area (20500–20599): a Redis the test kills and restarts, the endpoint server.
const REDIS_PORT = 20501;
const HTTP_PORT = 20502;
const FIXTURE = resolve('test/fixtures/incident-redis-restart.jsonl');
const SCREENSHOT = resolve('docs/dashboard.png');
const FLEET_CHILD = resolve('test/browser/fixtures/fleet-instance.mjs');
const SERVICE = `dash-test-${process.pid}`;

interface LogEntry {
  readonly seq: number;
  readonly source: string;
  readonly state?: unknown;
}

/** What the log says a resource and its breaker were after event `seq`, computed here independently of the page. */
function recordedAt(entries: readonly LogEntry[], seq: number): { cache: string; breaker: string } {
  let cache: unknown;
  let breaker: unknown;
  for (const e of entries) {
    if (e.seq > seq) break;
    if (e.source === 'supervisor/resource.cache' && e.state !== undefined) cache = e.state;
    if (e.source === 'breaker.cache' && e.state !== undefined) breaker = e.state;
  }
  const top = (v: unknown): string => (typeof v === 'string' ? v : (Object.keys(v as object)[0] ?? ''));
  const resource = (v: unknown): string => {
    const outer = top(v);
    return outer === 'running' ? top((v as Record<string, unknown>).running) : outer;
  };
  return { cache: resource(cache), breaker: top(breaker) };
}

/** Waits until `read` returns a value `done` accepts (the test's timeout bounds the wait). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the dashboard in a real browser', () => {
  let redis: TestServer;
  let stator: Stator;
  let server: StatorServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let dir: string;
  let second: ChildProcess | undefined;

  beforeAll(async () => {
    redis = await startRedis(REDIS_PORT);
    dir = mkdtempSync(join(tmpdir(), 'stator-dashboard-'));
    stator = createStator({
      logger: createLogger({ silent: true }),
      config: {
        cache: {
          driver: 'redis',
          port: REDIS_PORT,
          timeout: 0.3,
          retry_attempts: 1000,
          retry_delay: 0.2,
          key_prefix: `dash-${process.pid}:`,
        },
        filesystem: { base_path: dir },
        monitoring: { metrics_interval: 0.5, health_interval: 0.2 },
        supervisor: { max_restarts: 1000 },
        error_handling: { circuit_breaker: { minimum_calls: 5, threshold: 0.5, reset_timeout: 60 } },
        fleet: { service: SERVICE, instance: 'first', interval: 0.3, redis: { port: 6379 } },
        shutdown: { drain_delay: 0 },
      },
    });
    await stator.start();
    server = await startStatorServer(stator, {
      port: HTTP_PORT,
      showDetails: 'always',
      dashboard: true,
      heartbeatSeconds: 0,
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    errors = collectErrors(page);
  });

  afterAll(async () => {
    second?.kill('SIGKILL');
    await browser?.close();
    await server?.close();
    await stator?.stop();
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no console error and draws every machine, with the live actors on them', async () => {
    await page.goto(`${server.url}/dashboard/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('.resource[data-resource="cache"][data-state="ready"]');
    for (const id of Object.keys(machinesById)) {
      expect(await page.locator(`[data-machine="${id}"] svg g.node`).count()).toBeGreaterThan(2);
    }
    await page.waitForSelector(
      '[data-machine="resource"] .actor[data-actor="supervisor/resource.cache"][data-state="running"]',
    );
    expect(await page.locator('[data-machine="supervisor"] g.node.active').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-machine="alert"] .actor').count()).toBeGreaterThanOrEqual(3);
    await page.evaluate("window.loaded = 'first load'");
  });

  it('charts receive points as metrics come in', async () => {
    for (let i = 0; i < 20; i++) {
      await stator.cache.set(`k${i}`, i);
      await stator.cache.get(`k${i}`);
      await stator.cache.get(`missing${i}`);
      await stator.db.knex.raw('select 1');
    }
    for (const chart of ['pool', 'latency', 'errors', 'cache']) {
      await until(
        async () => Number(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-points')),
        (n) => n >= 3,
      );
    }
    expect(await page.locator('[data-chart] canvas').count()).toBe(4);
  });

  it('the fleet lists this instance, then a second one, which drops out after it is killed', async () => {
    await page.waitForSelector('[data-instance="first"] [data-resource="cache"][data-state="ready"]');
    second = spawn(process.execPath, [FLEET_CHILD], {
      env: {
        ...process.env,
        FLEET_SERVICE: SERVICE,
        FLEET_INSTANCE: 'second',
        FLEET_INTERVAL: '0.3',
        FLEET_PORT: '6379',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((done, fail) => {
      second?.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && done());
      second?.once('exit', (code) => fail(new Error(`the second instance exited (${code}) before it was ready`)));
    });
    await page.waitForSelector('[data-instance="second"][data-status="up"]');
    second.kill('SIGKILL'); // no goodbye: only the heartbeat's TTL can remove it
    await page.waitForSelector('[data-instance="second"]', { state: 'detached' });
    expect(await page.locator('[data-instance="first"]').count()).toBe(1);
  });

  it("killing Redis changes the cache's data-state on the page, and the breaker trip shows on its machine, without a reload", async () => {
    await redis.kill();
    await page.waitForSelector('.resource[data-resource="cache"]:not([data-state="ready"])');
    const state = await page.locator('.resource[data-resource="cache"]').getAttribute('data-state');
    expect(['recovering', 'degraded', 'initializing', 'failed']).toContain(state);

    // Calls fail while Redis is down, until the breaker trips.
    while (stator.breaker('cache')?.state !== 'open') {
      await stator.cache.get('x').catch(() => undefined);
    }
    await page.waitForSelector('[data-machine="circuitBreaker"] .actor[data-actor="breaker.cache"][data-state="open"]');
    const active = page.locator('[data-machine="circuitBreaker"] g.node.active[data-actors~="breaker.cache"] title');
    expect(await active.allTextContents()).toEqual(['circuitBreaker.open']);
    expect(await page.evaluate('window.loaded')).toBe('first load');

    await redis.restart();
    await page.waitForSelector('.resource[data-resource="cache"][data-state="ready"]');
    stator.breaker('cache')?.reset();
    await page.waitForSelector(
      '[data-machine="circuitBreaker"] .actor[data-actor="breaker.cache"][data-state="closed"]',
    );
    await until(
      async () => Number(await page.locator('[data-chart="errors"]').getAttribute('data-points')),
      (n) => n >= 6,
    );
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it('filters the event stream by source and by type', async () => {
    await page.selectOption('#event-source', 'breaker.cache');
    const sources = await page
      .locator('#events li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-source')));
    expect(sources.length).toBeGreaterThan(0);
    expect(new Set(sources)).toEqual(new Set(['breaker.cache']));
    await page.fill('#event-type', 'TRIP');
    const trips = await page
      .locator('#events li')
      .evaluateAll((items) => items.map((li) => `${li.getAttribute('data-source')} ${li.getAttribute('data-type')}`));
    expect(trips.length).toBeGreaterThan(0);
    expect(new Set(trips)).toEqual(new Set(['breaker.cache TRIP']));
    await page.selectOption('#event-source', '');
    await page.fill('#event-type', '');
  });

  it('without credentials under show_details: when_authorized, shows the overall status only and asks for a token', async () => {
    const guarded = await startStatorServer(stator, { port: 0, dashboard: true, heartbeatSeconds: 0 });
    const other = await browser.newPage();
    const otherErrors = collectErrors(other);
    try {
      await other.goto(`${guarded.url}/dashboard/`);
      await other.waitForSelector('body[data-ready="true"]');
      await other.waitForSelector('#overall[data-status="up"]');
      expect(await other.locator('#notice').textContent()).toContain('status:read:*');
      expect(await other.locator('#login').isVisible()).toBe(true);
      expect(await other.locator('[data-resource]').count()).toBe(0);
      expect(await other.locator('#resources-section').isVisible()).toBe(false);
      expect(await other.content()).not.toContain(dir);
      expect(otherErrors).toEqual([]);
    } finally {
      await other.close();
      await guarded.close();
    }
  });

  it('replays the recorded incident and shows the states at three chosen moments', async () => {
    const entries = readFileSync(FIXTURE, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogEntry);
    await page.setInputFiles('#replay-file', FIXTURE);
    await page.waitForSelector('#mode[data-mode="replay"]');
    // Before the outage, in the middle of it (breaker open), after recovery.
    const moments = [26, 150, 401];
    const seen: Array<{ cache: string | null; breaker: string | null }> = [];
    for (const seq of moments) {
      const index = entries.findIndex((e) => e.seq === seq);
      await page.locator('#replay-slider').fill(String(index));
      await page.waitForSelector(`#replay-time[data-seq="${seq}"]`);
      seen.push({
        cache: await page.locator('.resource[data-resource="cache"]').getAttribute('data-state'),
        breaker: await page
          .locator('[data-machine="circuitBreaker"] .actor[data-actor="breaker.cache"]')
          .getAttribute('data-state'),
      });
    }
    expect(seen).toEqual(moments.map((seq) => recordedAt(entries, seq)));
    expect(seen).toEqual([
      { cache: 'ready', breaker: 'closed' },
      { cache: 'recovering', breaker: 'open' },
      { cache: 'ready', breaker: 'closed' },
    ]);
    await page.click('#replay-exit');
    await page.waitForSelector('#mode[data-mode="live"]');
    await page.waitForSelector('.resource[data-resource="cache"][data-state="ready"]');
  });

  it('logged no console error on the way', () => {
    expect(errors).toEqual([]);
  });
});
