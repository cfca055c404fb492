import type { Observable } from 'rxjs';

/**
 * The value a replaying observable (a `BehaviorSubject`, `shareReplay(1)`) hands a new subscriber
 * at once, or `undefined` when it has none yet.
 */
export function latestValue<T>(source$: Observable<T>): T | undefined {
  let value: T | undefined;
  source$.subscribe({ next: (v) => (value = v), error: () => undefined }).unsubscribe();
  return value;
}
