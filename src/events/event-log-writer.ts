import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import type { EventBus, StatorEvent } from './event-bus.js';

/**
 * Appends every event of the bus to a JSONL file, one {@link StatorEvent} per line.
 *
 * Lines are batched and handed to one write stream per turn of the event loop, so a burst of
 * events costs one `write` call, and publishing never waits on the disk. `close()` flushes.
 */
export class EventLogWriter {
  private readonly stream: WriteStream;
  private readonly subscription: Subscription;
  private batch: string[] = [];
  private scheduled = false;
  private closed = false;

  public constructor(bus: EventBus, file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.stream = createWriteStream(file, { flags: 'a' });
    this.stream.on('error', () => {
      // A log that cannot be written must not take the service down; the failure is visible as
      // a missing file. Further events are dropped.
      this.closed = true;
    });
    this.subscription = bus.events$.subscribe((event) => this.append(event));
  }

  private append(event: StatorEvent): void {
    if (this.closed) return;
    this.batch.push(JSON.stringify(event));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0 || this.closed) return;
    const text = this.batch.join('\n') + '\n';
    this.batch = [];
    this.stream.write(text);
  }

  /** Stops listening, writes what is pending and closes the file. */
  public async close(): Promise<void> {
    this.subscription.unsubscribe();
    this.flush();
    this.closed = true;
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}
