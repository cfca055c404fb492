import type { Observable } from 'rxjs';
import type { PurgeReport } from '../pool/purge.js';
import type { LayerHealth } from '../kernel/layer.js';
import type { TarnShape } from './tarn-shape.js';

/** What the database layer needs of the pool it runs on, beyond knex's tarn shape. */
export interface DatabasePool extends TarnShape {
  /** Counters for status (`details()`): total, idle, busy, pending, ... */
  stats(): Readonly<Record<string, unknown>>;
  /** Health changes the pool sees by itself (every connection lost, recovering, back). */
  readonly health$?: Observable<LayerHealth>;
  /** Replaces every connection (see `Pool.purge`); absent on pools that cannot. */
  purge?(): Promise<PurgeReport>;
  /** Stops lending, waits for leases to come back until `signal` aborts, then closes every connection. */
  close(signal: AbortSignal): Promise<void>;
}
