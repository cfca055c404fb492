import { BehaviorSubject } from 'rxjs';
import type { RuntimeContext } from '../runtime/context.js';
import type { BreakerHandle, BreakerState } from './breaker/breaker-handle.js';
import type { FallbackStore, Served } from './fallback/fallback-store.js';
import type { Pipeline, PipelineOptions, ReadOptions, RunOptions } from './pipeline/pipeline.js';

/** Options of {@link createResilience} beyond the context. */
export interface ResilienceOptions {
  /** Random numbers for jitter (tests pass a seeded one). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * The resilience capability of one Stator instance: one {@link Pipeline} (and one breaker) per
 * resource, created on first use.
 */
export interface Resilience {
  /** One pipeline per resource (cache, database, filesystem); same name → same pipeline and breaker. */
  pipeline(resource: string, options?: PipelineOptions): Pipeline;
  /** The breaker of a resource, for `stator.breaker(name)`. */
  breaker(name: string): BreakerHandle | undefined;
  /** Where the `cache` fallback strategy reads/writes last good values (wired by the runtime to the cache layer; absent → strategy skipped). */
  setFallbackStore(store: FallbackStore | undefined): void;
  /** Stops breakers, limiters and Redis connections. */
  stop(): Promise<void>;
}

const NEVER = new AbortController().signal;

/** Creates the resilience capability (provisional pass-through; the full pipeline follows). */
export function createResilience(ctx: RuntimeContext, _options: ResilienceOptions = {}): Resilience {
  const pipelines = new Map<string, Pipeline>();
  const make = (resource: string): Pipeline => {
    const state$ = new BehaviorSubject<BreakerState>({ name: resource, state: 'closed', since: ctx.clock.now(), trips: 0 });
    const breaker: BreakerHandle = {
      name: resource,
      get state() {
        return state$.value.state;
      },
      isolate: () => state$.next({ ...state$.value, state: 'isolated' }),
      reset: () => state$.next({ ...state$.value, state: 'closed' }),
      state$: state$.asObservable(),
    };
    const run = <T>(_op: string, fn: (signal: AbortSignal) => Promise<T>, o?: RunOptions): Promise<T> => fn(o?.signal ?? NEVER);
    return {
      resource,
      breaker,
      run,
      read: async <T>(op: string, _key: string, fn: (signal: AbortSignal) => Promise<T>, o?: ReadOptions<T>): Promise<Served<T>> => ({
        value: await run(op, fn, o),
        source: 'primary',
        stale: false,
      }),
    };
  };
  return {
    pipeline(resource) {
      let p = pipelines.get(resource);
      if (!p) pipelines.set(resource, (p = make(resource)));
      return p;
    },
    breaker: (name) => pipelines.get(name)?.breaker,
    setFallbackStore: () => undefined,
    stop: async () => undefined,
  };
}
