import type { Socket } from 'node:net';
import type memjs from 'memjs';
import { TickWriteCoalescer } from '../../kernel/tick-write-coalescer.js';

/**
 * Sends the requests issued to one Memcached server within one tick in at most two socket writes
 * ({@link TickWriteCoalescer}), called before a memjs command.
 *
 * Only a connected server is corked, through memjs' `Server.sock` (which hands over the socket at
 * once when connected); otherwise memjs writes as it always does.
 *
 * @example
 * ```ts
 * const coalescer = new MemcachedWriteCoalescer();
 * coalescer.coalesce(client.servers[0]);
 * client.set(key, value, { expires: 60 }, callback); // written with the tick's other requests
 * ```
 */
export class MemcachedWriteCoalescer {
  private readonly writes = new TickWriteCoalescer();
  /** The socket memjs last handed over for each server. */
  private readonly sockets = new Map<memjs.Server, Socket>();

  /** Holds `server`'s writes until the end of this tick (nothing when it is not connected). */
  public coalesce(server: memjs.Server | undefined): void {
    if (!server?.connected) return;
    const known = this.sockets.get(server);
    if (known && this.writes.tracks(known)) {
      this.writes.hold(known);
      return;
    }
    let now = true;
    server.sock(false, (socket) => {
      // Only the socket handed over at once: a connection memjs opens now is not held.
      if (!now) return;
      this.sockets.set(server, socket);
      this.writes.hold(socket);
    });
    now = false;
  }

  /** Writes out whatever is held (when the client closes). */
  public release(): void {
    this.writes.release();
    this.sockets.clear();
  }
}
