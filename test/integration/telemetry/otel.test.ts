import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { createStator } from '../../../src/runtime/create-stator.js';
import type { Stator } from '../../../src/runtime/stator.js';
import { tracingOn } from '../../../src/telemetry/tracing.js';
import { startRedis, type RedisProcess } from '../../fixtures/redis-process.js';
import { AlsContextManager } from '../../support/als-context-manager.js';

// An application that registered an OpenTelemetry SDK (sdk-trace-base, an in-memory exporter, an
// AsyncLocalStorage context manager) uses Stator's cache (a Redis of its own, port 20601),
// database (PostgreSQL, a database of its own), transactions and filesystem.
const REDIS_PORT = 20601;
const DB = `stator_otel_${process.pid}`;
const exporter = new InMemorySpanExporter();
const contextManager = new AlsContextManager();
let redis: RedisProcess;
let stator: Stator;
let dir: string;
const admin = knexFactory({
  client: 'pg',
  connection: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' },
});

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

beforeAll(async () => {
  expect(tracingOn()).toBe(false);
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  expect(tracingOn()).toBe(true);

  redis = await startRedis(REDIS_PORT);
  await admin.raw(`drop database if exists ${DB}`);
  await admin.raw(`create database ${DB}`);
  dir = mkdtempSync(path.join(tmpdir(), 'stator-otel-'));
  stator = createStator({
    config: {
      cache: { driver: 'redis', host: '127.0.0.1', port: REDIS_PORT, retry_attempts: 0, timeout: 0.5 },
      database: { driver: 'postgresql', host: '127.0.0.1', port: 5432, database: DB, username: 'postgres' },
      filesystem: { base_path: dir },
    },
    logger: createLogger({ silent: true }),
  });
  await stator.start();
  await stator.db.knex.schema.createTable('orders', (t) => {
    t.increments('id');
    t.string('customer');
    t.integer('total');
  });
});

afterAll(async () => {
  await stator?.stop();
  await redis?.kill();
  await admin.raw(`drop database if exists ${DB}`);
  await admin.destroy();
  rmSync(dir, { recursive: true, force: true });
  trace.disable();
  context.disable();
});

describe('OpenTelemetry spans with a registered provider', () => {
  it('a transaction span under the caller, its queries under it with the statement shape, and the machine transitions as events', async () => {
    exporter.reset();
    const app = trace.getTracer('app');
    await app.startActiveSpan('POST /orders', async (request) => {
      await stator.db.transaction(async (trx) => {
        await trx('orders').insert({ customer: 'ada@example.com', total: 4200 });
        await trx('orders').where({ customer: 'ada@example.com' }).select('id', 'total');
      });
      request.end();
    });
    const [root] = named('POST /orders');
    const [tx] = named('transaction');
    expect(root && tx).toBeTruthy();
    expect(parentOf(tx!)).toBe(root!.spanContext().spanId);
    expect(tx!.attributes).toMatchObject({
      'db.system': 'postgresql',
      'db.namespace': DB,
      'server.address': '127.0.0.1',
      'server.port': 5432,
    });

    const insert = named('INSERT orders')[0];
    const select = named('SELECT orders')[0];
    expect(insert && select).toBeTruthy();
    for (const q of [insert!, select!]) {
      expect(parentOf(q)).toBe(tx!.spanContext().spanId);
      expect(q.attributes['db.system']).toBe('postgresql');
      expect(q.attributes['db.collection.name']).toBe('orders');
      // The statement's shape: no value the application sent.
      expect(String(q.attributes['db.query.text'])).not.toMatch(/ada@example\.com|4200/);
    }
    expect(insert!.attributes['db.operation.name']).toBe('INSERT');
    expect(select!.attributes['db.query.text']).toMatch(/^select "id", "total" from "orders" where "customer" = \?$/);
    expect(
      spans()
        .filter((s) => parentOf(s) === tx!.spanContext().spanId)
        .map((s) => s.name),
    ).toEqual(['INSERT orders', 'SELECT orders']);
    const transitions = tx!.events.filter((e) => e.name === 'stator.transition');
    expect(transitions.map((e) => e.attributes?.['stator.state'])).toEqual(
      expect.arrayContaining(['committing', 'committed']),
    );
    expect(String(transitions[0]?.attributes?.['stator.machine'])).toMatch(/^transaction\.\d+$/);
  });

  it('a failed query ends its span with the error', async () => {
    exporter.reset();
    await expect(stator.db.knex.raw('select * from no_such_table where id = 7')).rejects.toThrow();
    const [failed] = named('SELECT no_such_table');
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes['error.type']).toBe('42P01');
    expect(failed?.attributes['db.query.text']).toBe('select * from no_such_table where id = ?');
  });

  it('cache and filesystem calls are spans under the caller, without keys or values', async () => {
    exporter.reset();
    await trace.getTracer('app').startActiveSpan('job', async (job) => {
      await stator.cache.set('otel:user:1', { secret: 'value-not-in-spans' });
      expect(await stator.cache.get('otel:user:1')).toEqual({ secret: 'value-not-in-spans' });
      await stator.fs.writeFile('uploads/report.txt', 'hello');
      expect(await stator.fs.readFile('uploads/report.txt', 'utf8')).toBe('hello');
      job.end();
    });
    const [job] = named('job');
    const set = named('cache.set')[0];
    const get = named('cache.get')[0];
    for (const span of [set, get]) {
      expect(parentOf(span!)).toBe(job!.spanContext().spanId);
      expect(span!.attributes).toMatchObject({ 'db.system': 'redis', 'db.system.name': 'redis' });
      expect(JSON.stringify(span!.attributes)).not.toMatch(/otel:user|value-not-in-spans/);
    }
    expect(get!.attributes['db.operation.name']).toBe('get');
    const write = named('fs.writeFile')[0];
    const read = named('fs.readFile')[0];
    expect(parentOf(write!)).toBe(job!.spanContext().spanId);
    expect(write!.attributes['file.path']).toBe('uploads/report.txt');
    expect(read!.attributes['stator.fs.operation']).toBe('readFile');
  });

  it("recovery decisions are events on the call's span: fallback served, then breaker refusals", async () => {
    await stator.cache.set('otel:fallback', 'remembered');
    expect(await stator.cache.get('otel:fallback')).toBe('remembered');
    await redis.kill();
    exporter.reset();
    // Reads keep being answered (from the fallback copy) while Redis is gone; enough failures trip the breaker.
    for (let i = 0; i < 30; i++) await stator.cache.get('otel:fallback');
    const events = named('cache.get').flatMap((s) => s.events.map((e) => e.name));
    expect(events).toContain('stator.fallback.served');
    expect(events).toContain('stator.breaker.rejected');
    const served = named('cache.get')
      .flatMap((s) => s.events)
      .find((e) => e.name === 'stator.fallback.served');
    expect(served?.attributes).toMatchObject({ 'stator.resource': 'cache', 'stator.operation': 'get' });
    // The breaker opening happened during one of these calls: its transition is on that call's span.
    const transitions = named('cache.get')
      .flatMap((s) => s.events)
      .filter((e) => e.name === 'stator.transition');
    expect(
      transitions.some(
        (e) => e.attributes?.['stator.machine'] === 'breaker.cache' && e.attributes?.['stator.state'] === 'open',
      ),
    ).toBe(true);
  });
});
