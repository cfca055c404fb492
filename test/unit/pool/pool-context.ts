import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { configSchema, type StatorConfigInput } from '../../../src/config/schema.js';
import { EventBus, type StatorEvent } from '../../../src/kernel/event-bus.js';
import { createLogger } from '../../../src/logging/logger.js';
import { SecretRegistry } from '../../../src/logging/redact.js';
import { TestClock } from '../../../src/kernel/clock.js';
import type { RuntimeContext } from '../../../src/kernel/context.js';
import type { ConnectionFactory } from '../../../src/pool/connection-factory.js';

/** A runtime context on a TestClock that records log lines and events. */
export function poolContext(config: StatorConfigInput = {}): {
  ctx: RuntimeContext;
  clock: TestClock;
  logs: { level: string; message: string; [key: string]: unknown }[];
  events: StatorEvent[];
} {
  const clock = new TestClock(Date.UTC(2030, 0, 1));
  const secrets = new SecretRegistry();
  const logs: { level: string; message: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as { level: string; message: string });
      done();
    },
  });
  const ctx: RuntimeContext = {
    config: configSchema.parse(config),
    clock,
    logger: createLogger({ format: 'json', stream, level: 'debug', secrets }),
    events: new EventBus(clock, secrets),
    metrics: new Registry(),
    secrets,
  };
  const events: StatorEvent[] = [];
  ctx.events.events$.subscribe((e) => events.push(e));
  return { ctx, clock, logs, events };
}

/** A fake connection: an EventEmitter, like pg's Client. */
export class FakeConnection extends EventEmitter {
  public valid = true;
  public disposed: unknown;
  public destroyed = false;
  public constructor(public readonly n: number) {
    super();
  }
}

/** A factory of {@link FakeConnection}s whose failures and delays a test controls. */
export class FakeFactory implements ConnectionFactory<FakeConnection> {
  public created: FakeConnection[] = [];
  public destroyed: FakeConnection[] = [];
  public validations = 0;
  /** While set, create() rejects with it. */
  public failWith: Error | undefined;
  /** While true, create() waits for {@link FakeFactory.finishCreates}. */
  public hold = false;
  private held: (() => void)[] = [];

  public async create(): Promise<FakeConnection> {
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failWith) throw this.failWith;
    const c = new FakeConnection(this.created.length + 1);
    this.created.push(c);
    return c;
  }

  public finishCreates(): void {
    this.hold = false;
    for (const r of this.held.splice(0)) r();
  }

  public destroy(c: FakeConnection): void {
    c.destroyed = true;
    this.destroyed.push(c);
  }

  public validate(c: FakeConnection): boolean {
    this.validations++;
    return c.valid;
  }

  public isBroken(c: FakeConnection): boolean {
    return Boolean(c.disposed);
  }
}
