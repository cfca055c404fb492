/**
 * The Redis side of shared limits without a server: a stand-in ioredis client that records the
 * commands the limiter sends and answers them, to check what the integration test against the
 * real Redis cannot provoke safely (`SCRIPT FLUSH` would touch every user of the shared Redis):
 * a Redis that does not know the script yet, and the tick's writes held together.
 */
import { EventEmitter } from 'node:events';
import type { Command, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { ResourceLimiter } from '../../../src/resilience/limiter/resource-limiter.js';
import { SharedAdmission } from '../../../src/resilience/limiter/shared-limit-script.js';
import type { LimitSettings } from '../../../src/resilience/limiter/limit-settings.js';

interface Sent {
  readonly name: string;
  readonly args: readonly unknown[];
}

/** A ready client whose every answer comes from `answer` (a thrown error rejects the command). */
function fakeRedis(answer: (name: string, args: Sent['args']) => unknown) {
  const sent: Sent[] = [];
  const stream = { corks: 0, uncorks: 0, cork: () => stream.corks++, uncork: () => stream.uncorks++ };
  const client = Object.assign(new EventEmitter(), {
    status: 'ready',
    stream,
    sendCommand(command: Command) {
      sent.push({ name: command.name, args: command.args });
      try {
        command.resolve(answer(command.name, command.args));
      } catch (error) {
        command.reject(error as Error);
      }
      return command.promise;
    },
  });
  return { client: client as unknown as Redis, sent, stream };
}

const logger = createLogger({ silent: true });
const limiter = (client: Redis, settings: Partial<LimitSettings>) =>
  new ResourceLimiter('db', { minTimeMs: 0, shared: true, ...settings }, { client, keyPrefix: 'p:' }, logger);

describe('shared limit admissions', () => {
  it('sends EVALSHA of the script of its settings with their keys; a lease is given back after the call', async () => {
    const redis = fakeRedis((name) => (name === 'zrem' ? 1 : 0));
    const l = limiter(redis.client, { maxConcurrent: 3 });
    expect(await l.schedule(async () => 'done')).toBe('done');
    expect(redis.sent.map((c) => c.name)).toEqual(['evalsha', 'zrem']);
    const [admit, release] = redis.sent as [Sent, Sent];
    const { sha } = new SharedAdmission(redis.client, (name) => name, { maxConcurrent: 3, minTimeMs: 0, shared: true });
    expect(admit.args.slice(0, 3)).toEqual([sha, '1', 'p:limiter:db:leases']);
    expect(admit.args).toHaveLength(4);
    expect(release.args).toEqual(['p:limiter:db:leases', admit.args[3]]);
  });

  it('takes no lease without max_concurrent (nothing to give back), and sends only the keys of its limits', async () => {
    const redis = fakeRedis(() => 0);
    await limiter(redis.client, { reservoir: 10 }).schedule(async () => undefined);
    expect(redis.sent.map((c) => c.name)).toEqual(['evalsha']);
    expect(redis.sent[0]?.args.slice(1)).toEqual(['2', 'p:limiter:db:left', 'p:limiter:db:period']);
  });

  it('writes the settings into the script: other settings, another script', () => {
    const admission = (settings: Partial<LimitSettings>) =>
      new SharedAdmission(fakeRedis(() => 0).client, (name) => name, { minTimeMs: 0, shared: true, ...settings });
    const ten = admission({ reservoir: 10 });
    expect(ten.script).toContain('fill = 10');
    // A reservoir alone starts with its DECR: the clock is read only when the count is below zero.
    expect(ten.script.startsWith("if redis.call('DECR', KEYS[1]) < 0 then\n")).toBe(true);
    expect(admission({ reservoir: 10 }).sha).toBe(ten.sha);
    expect(admission({ reservoir: 11 }).sha).not.toBe(ten.sha);
    expect(admission({ minTimeMs: 250 }).script).toContain("redis.call('TIME')");
  });

  it('sends the script itself (EVAL) when Redis does not know it (NOSCRIPT), and stays shared', async () => {
    const redis = fakeRedis((name) => {
      if (name === 'evalsha') throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      return 0;
    });
    const l = limiter(redis.client, { reservoir: 10 });
    expect(await l.schedule(async () => 7)).toBe(7);
    expect(redis.sent.map((c) => c.name)).toEqual(['evalsha', 'eval']);
    expect(redis.sent[1]?.args[0]).toBe(
      new SharedAdmission(redis.client, (name) => name, { reservoir: 10, minTimeMs: 0, shared: true }).script,
    );
    expect(redis.sent[1]?.args.slice(1)).toEqual(redis.sent[0]?.args.slice(1));
  });

  it('runs the call under the local limits when the script cannot run', async () => {
    const redis = fakeRedis(() => {
      throw new Error('ERR something else');
    });
    const l = limiter(redis.client, { maxConcurrent: 1 });
    expect(await l.schedule(async () => 'local')).toBe('local');
    expect(redis.sent.map((c) => c.name)).toEqual(['evalsha']);
    expect(l.counts()).toEqual({ queued: 0, running: 0 });
  });

  it('writes each admission at once, never holding the socket to the end of the tick', async () => {
    const redis = fakeRedis(() => 0);
    const l = limiter(redis.client, { reservoir: 100 });
    const calls = [1, 2, 3].map((n) => l.schedule(async () => n));
    // Sent before the tick ends, each as its own command, and the socket never corked.
    expect(redis.sent.map((c) => c.name)).toEqual(['evalsha', 'evalsha', 'evalsha']);
    expect(redis.stream).toMatchObject({ corks: 0, uncorks: 0 });
    expect(await Promise.all(calls)).toEqual([1, 2, 3]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(redis.stream).toMatchObject({ corks: 0, uncorks: 0 });
  });
});
