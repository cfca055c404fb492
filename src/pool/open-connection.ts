import { PoolClosedError } from '../errors/pool-closed-error.js';
import type { Clock } from '../kernel/clock.js';
import type { ConnectionFactory } from './connection-factory.js';

/** What {@link openConnection} needs from its pool. */
export interface OpenConnectionOptions<C> {
  readonly pool: string;
  readonly factory: ConnectionFactory<C>;
  readonly clock: Clock;
  /** `connection_pool.create_timeout` in ms. */
  readonly timeoutMs: number;
  /** Aborts when the pool closes. */
  readonly closeSignal: AbortSignal;
}

/**
 * Opens one connection with the pool's factory, bounded by the create timeout and by the pool's
 * close: exactly one of `onOpen` and `onFail` is called, at the latest when the timeout runs out
 * (the factory's signal is aborted then). A connection that arrives after that is closed quietly:
 * it was never lent, and nothing depends on it. The promise settles once the factory has.
 */
export function openConnection<C>(
  o: OpenConnectionOptions<C>,
  onOpen: (resource: C) => void,
  onFail: (error: unknown) => void,
): Promise<void> {
  const controller = new AbortController();
  const onClose = (): void => controller.abort(new PoolClosedError(o.pool));
  o.closeSignal.addEventListener('abort', onClose, { once: true });
  let settled = false;
  const timer = o.clock.setTimeout(() => {
    if (settled) return;
    settled = true;
    const error = new Error(`opening a connection took longer than ${o.timeoutMs / 1000} s`);
    controller.abort(error);
    onFail(error);
  }, o.timeoutMs);
  const done = (): void => {
    o.clock.clearTimeout(timer);
    o.closeSignal.removeEventListener('abort', onClose);
  };
  return Promise.resolve()
    .then(() => o.factory.create(controller.signal))
    .then(
      (resource) => {
        done();
        if (settled) return discardLate(o.factory, resource);
        settled = true;
        onOpen(resource);
        return undefined;
      },
      (error: unknown) => {
        done();
        if (settled) return;
        settled = true;
        onFail(error);
      },
    );
}

async function discardLate<C>(factory: ConnectionFactory<C>, resource: C): Promise<void> {
  try {
    await factory.destroy(resource);
  } catch {
    // it was never lent; nothing depends on this close
  }
}
