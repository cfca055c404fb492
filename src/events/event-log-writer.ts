import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import { RotatingFile } from '../logging/rotation/rotating-file.js';
import type { RotationPolicy } from '../logging/rotation/rotation-policy.js';
import type { EventBus, StatorEvent } from '../kernel/event-bus.js';

/** Options of {@link EventLogWriter}. */
export interface EventLogWriterOptions {
  /**
   * Record the events of connection machines (pooled database connections, cache nodes): many
   * on a busy pool. Default true. When false, every source whose `xstate.init` names the
   * `connection` machine is left out of the file (it stays on `events$`).
   */
  readonly includeConnections?: boolean;
  /** When to start a new file and how many to keep (default: one file, never rotated). */
  readonly rotation?: RotationPolicy;
  /** Where "now" comes from for `rotation.maxAge`. Default `Date.now`. */
  readonly clock?: { now(): number };
}

/**
 * Appends every event of the bus to a JSONL file, one {@link StatorEvent} per line.
 *
 * The file starts with the `xstate.init` of every machine already running ({@link EventBus.running}).
 * Lines are batched and handed to the file once per turn of the event loop, so a burst of events
 * costs one write, and publishing never waits on the disk. `close()` flushes. The file rotates
 * by `rotation` ({@link RotatingFile}) between batches, so no line is split or lost across files;
 * {@link readEventLog} reads the set back in order.
 * A line that cannot be serialized is written without its `data` (and says so) rather than
 * thrown into the machine that published it.
 */
export class EventLogWriter {
  private readonly file: RotatingFile;
  private writing: Promise<void> = Promise.resolve();
  private readonly subscription: Subscription;
  private readonly includeConnections: boolean;
  private readonly connectionSources = new Set<string>();
  private batch: string[] = [];
  private scheduled = false;
  private closed = false;
  private closing: Promise<void> | undefined;

  /** @throws when the file's directory cannot be created. */
  public constructor(bus: EventBus, file: string, options: EventLogWriterOptions = {}) {
    this.includeConnections = options.includeConnections ?? true;
    mkdirSync(path.dirname(file), { recursive: true });
    this.file = new RotatingFile(file, {
      ...(options.rotation ? { policy: options.rotation } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    // Machines started before the log was opened (a breaker made at createStator): their start
    // comes first, so that a replay can build them.
    for (const init of bus.running()) this.append(init);
    this.subscription = bus.events$.subscribe({
      next: (event) => this.append(event),
      complete: () => void this.close(),
    });
  }

  private append(event: StatorEvent): void {
    if (this.closed) return;
    if (!this.includeConnections && this.isConnection(event)) return;
    this.batch.push(serialize(event));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private isConnection(event: StatorEvent): boolean {
    if (event.type === 'xstate.init' && event.data?.machine === 'connection') this.connectionSources.add(event.source);
    return this.connectionSources.has(event.source);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0 || this.closed) return;
    const text = this.batch.join('\n') + '\n';
    this.batch = [];
    this.writing = this.file.append(text).catch(() => {
      // A log that cannot be written must not take the service down; the failure is visible as
      // a missing file. Further events are dropped.
      this.closed = true;
    });
  }

  /** Stops listening, writes what is pending and closes the file. Idempotent; never rejects. */
  public close(): Promise<void> {
    this.closing ??= (async () => {
      this.subscription?.unsubscribe();
      this.flush();
      this.closed = true;
      await this.writing;
      await this.file.close();
    })();
    return this.closing;
  }
}

function serialize(event: StatorEvent): string {
  try {
    return JSON.stringify(event);
  } catch {
    // A payload with a cycle or a BigInt: keep the entry, say why its data is missing.
    const { data: _data, ...rest } = event;
    return JSON.stringify({ ...rest, data: { unserializable: true } });
  }
}
