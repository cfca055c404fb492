import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import type { Clock } from '../kernel/clock.js';

/** Options of {@link streamStatus}. */
export interface StatusStreamOptions {
  readonly clock: Clock;
  /** Milliseconds between keep-alive comments (proxies close silent connections). 0 = none. */
  readonly heartbeatMs: number;
}

/**
 * Serves `status$` as server-sent events: each snapshot is one `status` event (`id` counting
 * from 1), starting with the current one. Ends when the client goes away or `status$` completes
 * (Stator stopped). Returns a function that ends the stream from the server's side.
 */
export function streamStatus(
  req: IncomingMessage,
  res: ServerResponse,
  status$: Observable<unknown>,
  options: StatusStreamOptions,
): () => void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: do not buffer the stream
  });
  res.write('retry: 2000\n\n');
  let id = 0;
  let timer: unknown;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (timer !== undefined) options.clock.clearTimeout(timer);
    subscription.unsubscribe();
    if (!res.writableEnded) res.end();
  };
  const beat = (): void => {
    if (options.heartbeatMs <= 0) return;
    timer = options.clock.setTimeout(() => {
      if (ended) return;
      res.write(': keep-alive\n\n');
      beat();
    }, options.heartbeatMs);
  };
  const subscription = status$.subscribe({
    next: (snapshot) => {
      if (!ended) res.write(`id: ${++id}\nevent: status\ndata: ${JSON.stringify(snapshot)}\n\n`);
    },
    error: () => end(),
    complete: () => end(),
  });
  if (ended) subscription.unsubscribe(); // status$ completed synchronously
  req.on('close', end);
  res.on('close', end);
  beat();
  return end;
}
