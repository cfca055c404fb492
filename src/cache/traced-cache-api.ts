import type { Attributes } from '@opentelemetry/api';
import { inSpan, SpanKind, tracingOn } from '../telemetry/tracing.js';
import { CacheApi, type CacheApiOptions } from './cache-api.js';
import type {
  CacheEntryInput,
  CacheGetOrSetOptions,
  CacheInvalidation,
  CacheInvalidationResult,
  CacheLoader,
  CacheSetOptions,
} from './types.js';
import type { RuntimeContext } from '../kernel/context.js';

/**
 * The cache API with an OpenTelemetry span around each call when the application registered a
 * tracer provider (see `docs/opentelemetry.md`): `cache.get`, `cache.set`, ... with `db.system`
 * (`redis`, `memcached`, `memory`) and `db.operation.name`; no key and no value. Without a provider
 * each call costs one check before the plain {@link CacheApi} method.
 */
export class TracedCacheApi extends CacheApi {
  private readonly spanKind: SpanKind;
  private readonly system: string;

  public constructor(ctx: RuntimeContext, options: CacheApiOptions) {
    super(ctx, options);
    this.system = options.driver.name;
    this.spanKind = options.driver.remote ? SpanKind.CLIENT : SpanKind.INTERNAL;
  }

  private span<T>(operation: string, fn: () => Promise<T>, extra?: Attributes): Promise<T> {
    return inSpan(
      `cache.${operation}`,
      {
        kind: this.spanKind,
        attributes: {
          'db.system': this.system,
          'db.system.name': this.system,
          'db.operation.name': operation,
          ...extra,
        },
      },
      fn,
    );
  }

  public override get<T = unknown>(key: string): Promise<T | undefined> {
    return tracingOn() ? this.span('get', () => super.get<T>(key)) : super.get<T>(key);
  }

  public override has(key: string): Promise<boolean> {
    return tracingOn() ? this.span('has', () => super.has(key)) : super.has(key);
  }

  public override set<T>(key: string, value: T, options?: CacheSetOptions): Promise<void> {
    return tracingOn() ? this.span('set', () => super.set(key, value, options)) : super.set(key, value, options);
  }

  public override delete(key: string): Promise<boolean> {
    return tracingOn() ? this.span('delete', () => super.delete(key)) : super.delete(key);
  }

  public override getMany<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    return tracingOn()
      ? this.span('getMany', () => super.getMany<T>(keys), { 'db.operation.batch.size': keys.length })
      : super.getMany<T>(keys);
  }

  public override setMany<T>(entries: readonly CacheEntryInput<T>[], options?: CacheSetOptions): Promise<void> {
    return tracingOn()
      ? this.span('setMany', () => super.setMany(entries, options), { 'db.operation.batch.size': entries.length })
      : super.setMany(entries, options);
  }

  public override getOrSet<T>(key: string, loader: CacheLoader<T>, options?: CacheGetOrSetOptions): Promise<T> {
    return tracingOn()
      ? this.span('getOrSet', () => super.getOrSet(key, loader, options))
      : super.getOrSet(key, loader, options);
  }

  public override invalidate(target: CacheInvalidation): Promise<CacheInvalidationResult> {
    return tracingOn() ? this.span('invalidate', () => super.invalidate(target)) : super.invalidate(target);
  }
}
