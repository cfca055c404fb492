import { Subject } from 'rxjs';
import { sleep, type Clock } from '../../../src/kernel/clock.js';
import type { LayerHealth, LayerStartContext, ResourceLayer } from '../../../src/kernel/layer.js';

/** What a fake layer does when called: succeed, throw synchronously, reject, or never settle. */
export type Behavior = 'ok' | 'throw' | 'reject' | 'hang';

/** What a fake health check answers. */
export type CheckBehavior = Behavior | 'degraded' | 'down';

/** A shared record of every call the fake layers received, with the clock time. */
export interface CallLog {
  readonly entries: { readonly time: number; readonly call: string }[];
  /** Layers currently inside start(). */
  inFlight: Set<string>;
  /** Largest set of layers seen inside start() at once. */
  maxInFlight: string[];
}

export const newCallLog = (): CallLog => ({ entries: [], inFlight: new Set(), maxInFlight: [] });

/** Calls of one kind (`start`, `stop`, `check`) in order: `['start:a', ...]` → `['a', ...]`. */
export const callsOf = (log: CallLog, kind: string): string[] =>
  log.entries.filter((e) => e.call.startsWith(`${kind}:`)).map((e) => e.call.slice(kind.length + 1));

/**
 * A resource layer for tests, driven by the test: what each start / check / stop does, how long
 * a start takes on the clock, and a `health$` the test can push to.
 */
export class FakeLayer implements ResourceLayer {
  public startBehavior: Behavior | ((attempt: number) => Behavior) = 'ok';
  public checkBehavior: CheckBehavior = 'ok';
  public stopBehavior: Behavior = 'ok';
  /** Milliseconds (on the clock) a successful start takes. */
  public startTime = 0;
  /** Milliseconds (on the clock) a stop takes. */
  public stopTime = 0;
  public readonly health = new Subject<LayerHealth>();
  public readonly health$ = this.health.asObservable();
  public starts = 0;
  public checks = 0;
  public stops = 0;
  /** Aborted signals seen (hung calls that the machine gave up on). */
  public aborted = 0;
  public lastDependencies: string[] = [];

  public constructor(
    public readonly name: string,
    private readonly log: CallLog,
    private readonly clock: Clock,
  ) {}

  public start(context: LayerStartContext): Promise<void> {
    this.starts++;
    this.lastDependencies = [...context.dependencies.keys()];
    this.record(`start:${this.name}`);
    const behavior =
      typeof this.startBehavior === 'function' ? this.startBehavior(context.attempt) : this.startBehavior;
    if (behavior === 'throw') throw new Error(`${this.name} start threw (attempt ${context.attempt})`);
    if (behavior === 'reject')
      return Promise.reject(new Error(`${this.name} start rejected (attempt ${context.attempt})`));
    if (behavior === 'hang') return this.hang(context.signal);
    this.log.inFlight.add(this.name);
    if (this.log.inFlight.size > this.log.maxInFlight.length) this.log.maxInFlight = [...this.log.inFlight].sort();
    const done = this.startTime > 0 ? sleep(this.clock, this.startTime) : Promise.resolve();
    return done.finally(() => {
      this.log.inFlight.delete(this.name);
      this.record(`ready:${this.name}`);
    });
  }

  public check(signal: AbortSignal): Promise<LayerHealth> {
    this.checks++;
    this.record(`check:${this.name}`);
    switch (this.checkBehavior) {
      case 'throw':
        throw new Error(`${this.name} check threw`);
      case 'reject':
        return Promise.reject(new Error(`${this.name} check rejected`));
      case 'hang':
        return this.hang(signal);
      case 'degraded':
        return Promise.resolve({ status: 'degraded', reason: `${this.name} is slow` });
      case 'down':
        return Promise.resolve({ status: 'down', error: new Error(`${this.name} is down`) });
      default:
        return Promise.resolve({ status: 'up' });
    }
  }

  public stop(signal: AbortSignal): Promise<void> {
    this.stops++;
    this.record(`stop:${this.name}`);
    if (this.stopBehavior === 'throw') throw new Error(`${this.name} stop threw`);
    if (this.stopBehavior === 'reject') return Promise.reject(new Error(`${this.name} stop rejected`));
    if (this.stopBehavior === 'hang') return this.hang(signal);
    return this.stopTime > 0 ? sleep(this.clock, this.stopTime) : Promise.resolve();
  }

  private hang<T>(signal: AbortSignal): Promise<T> {
    signal.addEventListener('abort', () => this.aborted++, { once: true });
    return new Promise<T>(() => undefined);
  }

  private record(call: string): void {
    this.log.entries.push({ time: this.clock.now(), call });
  }
}
