import { trace, type Span } from '@opentelemetry/api';
import type { Observable, Subscription } from 'rxjs';
import { tracingOn } from './tracing.js';

/** What {@link traceTransitions} reads of a machine event. */
interface MachineEvent {
  readonly source: string;
  readonly type: string;
  readonly state?: unknown;
}

const stateText = (state: unknown): string => (typeof state === 'string' ? state : JSON.stringify(state));

/**
 * Adds each machine transition to the span active where it happened, as a `stator.transition`
 * event (`stator.machine`: the machine's source such as `breaker.cache` or `transaction.12`,
 * `stator.event`, `stator.state`): the breaker that opened during a cache call, the transaction
 * machine's retry after a deadlock, show on that call's span.
 *
 * Listening to the bus makes machines record their events, which costs: the Stator subscribes
 * only when a tracer provider is registered when it starts. Returns undefined otherwise.
 */
export function traceTransitions(events: { readonly events$: Observable<MachineEvent> }): Subscription | undefined {
  if (!tracingOn()) return undefined;
  return events.events$.subscribe((event) => {
    if (event.state === undefined) return;
    const span: Span | undefined = trace.getActiveSpan();
    if (!span?.isRecording()) return;
    span.addEvent('stator.transition', {
      'stator.machine': event.source,
      'stator.event': event.type,
      'stator.state': stateText(event.state),
    });
  });
}
