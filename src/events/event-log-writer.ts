import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import type { EventBus, StatorEvent } from '../kernel/event-bus.js';

/** Options of {@link EventLogWriter}. */
export interface EventLogWriterOptions {
  /**
   * Record the events of connection machines (pooled database connections, cache nodes): many
   * on a busy pool. Default true. When false, every source whose `xstate.init` names the
   * `connection` machine is left out of the file (it stays on `events$`).
   */
  readonly includeConnections?: boolean;
}

/**
 * Appends every event of the bus to a JSONL file, one {@link StatorEvent} per line.
 *
 * The file starts with the `xstate.init` of every machine already running ({@link EventBus.running}).
 * Lines are batched and handed to one write stream per turn of the event loop, so a burst of
 * events costs one `write` call, and publishing never waits on the disk. `close()` flushes.
 * A line that cannot be serialized is written without its `data` (and says so) rather than
 * thrown into the machine that published it.
 */
export class EventLogWriter {
  private readonly stream: WriteStream;
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
    this.stream = createWriteStream(file, { flags: 'a' });
    this.stream.on('error', () => {
      // A log that cannot be written must not take the service down; the failure is visible as
      // a missing file. Further events are dropped.
      this.closed = true;
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
    this.stream.write(text);
  }

  /** Stops listening, writes what is pending and closes the file. Idempotent; never rejects. */
  public close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.subscription?.unsubscribe();
      this.flush();
      this.closed = true;
      if (this.stream.destroyed) resolve();
      else this.stream.end(() => resolve());
      this.stream.once('error', () => resolve());
    });
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
