import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import type { LayerHealth } from '../kernel/layer.js';

/**
 * A pool's health as a stream: `up`; `degraded` after a connection could not be opened while
 * others work; `down` while recovering or closed. A new value is published only when the status
 * or its reason changes.
 */
export class PoolHealth {
  private readonly subject = new BehaviorSubject<LayerHealth>({ status: 'up' });
  public readonly health$: Observable<LayerHealth> = this.subject.pipe(
    distinctUntilChanged((a, b) => healthKey(a) === healthKey(b)),
  );

  public get current(): LayerHealth {
    return this.subject.getValue();
  }

  /** Publishes `next` if it says something else than the current health. */
  public set(next: LayerHealth): void {
    if (healthKey(next) !== healthKey(this.subject.getValue())) this.subject.next(next);
  }

  /** The last word: `down` with `error`, then the stream completes. */
  public close(error: Error): void {
    this.subject.next({ status: 'down', error });
    this.subject.complete();
  }
}

function healthKey(h: LayerHealth): string {
  return h.status === 'degraded' ? `degraded:${h.reason}` : h.status === 'down' ? `down:${h.error.name}` : 'up';
}
