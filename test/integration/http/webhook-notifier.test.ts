import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlertWebhookError } from '../../../src/errors/alert-webhook-error.js';
import { systemClock } from '../../../src/kernel/clock.js';
import type { AlertTransition } from '../../../src/status/alerts/alert-transition.js';
import { webhookNotifier } from '../../../src/status/alerts/notifiers/webhook-notifier.js';

// A receiver on a port the OS picks; it answers with the next status of `script` per request.
const received: Array<{ body: unknown; auth: string | undefined }> = [];
let script: number[] = [];
let server: Server;
let base = '';

const transition: AlertTransition = {
  rule: 'error_rate',
  from: 'pending',
  to: 'firing',
  value: 0.4,
  threshold: 0.1,
  severity: 'critical',
  time: 1,
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ body: JSON.parse(body), auth: req.headers.authorization });
      res.writeHead(script.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('webhook notifier', () => {
  it('POSTs the transition as JSON and retries server errors until one is accepted', async () => {
    received.length = 0;
    script = [500, 503, 200];
    const hook = webhookNotifier({
      url: `${base}/hook?token=s3cret`,
      headers: { authorization: 'Bearer abc' },
      retryAttempts: 3,
      retryDelayMs: 5,
      clock: systemClock,
    });
    await hook.notify(transition, new AbortController().signal);
    expect(received).toHaveLength(3);
    expect(received[2]).toEqual({ body: { alert: transition }, auth: 'Bearer abc' });
  });

  it('gives up after the last attempt with ALERT_WEBHOOK_FAILED naming only the origin', async () => {
    received.length = 0;
    script = [500, 500, 500];
    const hook = webhookNotifier({
      url: `${base}/hook?token=s3cret`,
      retryAttempts: 2,
      retryDelayMs: 1,
      clock: systemClock,
    });
    const error = await Promise.resolve(hook.notify(transition, new AbortController().signal)).catch((e: unknown) => e);
    expect(isAlertWebhookError(error)).toBe(true);
    expect((error as Error).message).toContain(`alert webhook to ${base} failed after 3 attempt(s) (last: HTTP 500)`);
    expect((error as Error).message).not.toContain('s3cret');
    expect(received).toHaveLength(3);
  });

  it('does not retry a request the receiver rejects (4xx)', async () => {
    received.length = 0;
    script = [400];
    const hook = webhookNotifier({ url: `${base}/hook`, retryAttempts: 3, retryDelayMs: 1, clock: systemClock });
    await expect(hook.notify(transition, new AbortController().signal)).rejects.toMatchObject({
      code: 'ALERT_WEBHOOK_FAILED',
    });
    expect(received).toHaveLength(1);
  });

  it('retries when the receiver is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const hook = webhookNotifier({
      url: `http://127.0.0.1:${port}/`,
      retryAttempts: 1,
      retryDelayMs: 1,
      clock: systemClock,
    });
    await expect(hook.notify(transition, new AbortController().signal)).rejects.toThrow(
      /after 2 attempt\(s\) \(last: ECONNREFUSED\)/,
    );
  });
});
