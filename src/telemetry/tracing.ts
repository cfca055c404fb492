import {
  context,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

/** The instrumentation scope of every span Stator makes. */
export const TRACER_NAME = 'stator';

/** What `getDelegate()` answers while no provider is registered (the API's no-op provider). */
const NOOP_PROVIDER: TracerProvider = new ProxyTracerProvider().getDelegate();

let provider: TracerProvider = trace.getTracerProvider();
let tracer: Tracer | undefined;

/**
 * True when the application registered a tracer provider (`trace.setGlobalTracerProvider`, or an
 * SDK's `register()`). Every span site asks this first and does nothing else when it is false:
 * one property read on the hot path, no span object, no context switch.
 *
 * The API's global provider is a proxy that gets the application's provider as its delegate when
 * one is registered; that delegate is what is checked.
 */
export function tracingOn(): boolean {
  const delegate = (provider as ProxyTracerProvider).getDelegate?.() ?? provider;
  if (delegate === NOOP_PROVIDER) return false;
  // Registered: make sure the proxy is still the global one (`trace.disable()` replaces it).
  const current = trace.getTracerProvider();
  if (current !== provider) {
    provider = current;
    tracer = undefined;
    return tracingOn();
  }
  return true;
}

/** Stator's tracer from the registered provider. Call only when {@link tracingOn}. */
export function statorTracer(): Tracer {
  tracer ??= provider.getTracer(TRACER_NAME);
  return tracer;
}

/** Options of {@link inSpan}. */
export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
}

/**
 * Runs `fn` in a new active span (a child of the caller's active span), ends it when the promise
 * settles, and records a rejection on it (exception event, status ERROR, `error.type`). Call only
 * when {@link tracingOn}; otherwise call `fn` directly.
 *
 * @example
 * ```ts
 * const read = (file: string) => (tracingOn() ? inSpan('fs.readFile', {}, () => readFile(file)) : readFile(file));
 * ```
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  return statorTracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Records `error` on `span`: the exception event, status ERROR, and `error.type` (its code or class). */
export function failSpan(span: Span, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
  const code = (error as { code?: unknown }).code;
  span.setAttribute('error.type', typeof code === 'string' || typeof code === 'number' ? String(code) : e.name);
}

/**
 * Adds an event to the caller's active span, if tracing is on and there is one: how recovery
 * decisions (a retry, a breaker refusal, a fallback served) show on the span of the call they
 * were made for.
 */
export function spanEvent(name: string, attributes?: Attributes): void {
  if (!tracingOn()) return;
  trace.getActiveSpan()?.addEvent(name, attributes);
}

/** The caller's active span, when tracing is on. */
export function activeSpan(): Span | undefined {
  return tracingOn() ? trace.getSpan(context.active()) : undefined;
}

export { SpanKind };
