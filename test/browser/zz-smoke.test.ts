import { it } from "vitest";
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStator } from '../../src/runtime/create-stator.js';
import { createLogger } from '../../src/logging/logger.js';
import { startStatorServer } from '../../src/http/stator-server.js';
import { launchBrowser, collectErrors } from './browser.js';
it('smoke', async () => {
const dir = mkdtempSync(join(tmpdir(), 'i17-smoke-'));
const stator = createStator({ logger: createLogger({ silent: true }), config: { filesystem: { base_path: dir }, monitoring: { metrics_interval: 0.5 } } });
await stator.start();
const server = await startStatorServer(stator, { port: 20500, showDetails: 'always', dashboard: true, heartbeatSeconds: 0 });
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const errors = collectErrors(page);
await page.goto(`${server.url}/dashboard/`);
await page.waitForSelector('[data-resource="cache"][data-state="ready"]');
for (let i = 0; i < 5; i++) { await stator.cache.set('k'+i, i); await stator.cache.get('k'+i); await stator.cache.get('nope'); }
await page.waitForTimeout(2500);
await page.screenshot({ path: '/tmp/i17-smoke.png', fullPage: true });
console.log('errors', errors, await page.locator('[data-chart="pool"]').getAttribute('data-points'), await page.locator('.actor').count());
await browser.close(); await server.close(); await stator.stop();

}, 60000);
