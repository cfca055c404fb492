import { Writable } from 'node:stream';
import { RotatingFile } from './rotation/rotating-file.js';
import type { RotationPolicy } from './rotation/rotation-policy.js';

/** The file log of {@link createLogger}: where, and how it rotates. */
export interface FileLogOptions {
  /** The active log file; rotated files get an index before the extension (`stator.000001.log`). */
  readonly path: string;
  readonly rotation?: RotationPolicy;
}

/**
 * A writable stream of log lines that go through a {@link RotatingFile}: the file log of
 * {@link createLogger}'s `file` option (a winston Stream transport writes to it), bounded by size,
 * age and a number of files. A line is acknowledged at once and written with the others of the
 * same turn of the event loop; a write that fails is reported once on stderr and does not take
 * the service down.
 */
export class RotatingLogStream extends Writable {
  private readonly out: RotatingFile;
  private batch: string[] = [];
  private scheduled = false;
  private reported = false;

  public constructor(options: FileLogOptions) {
    super({ decodeStrings: false });
    this.out = new RotatingFile(options.path, options.rotation ? { policy: options.rotation } : {});
  }

  public override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.batch.push(String(chunk));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    callback();
  }

  public override _final(callback: (error?: Error | null) => void): void {
    void this.flush()
      .then(() => this.out.close())
      .then(() => callback());
  }

  private flush(): Promise<void> {
    this.scheduled = false;
    const text = this.batch.join('');
    this.batch = [];
    if (!text) return Promise.resolve();
    return this.out.append(text).catch((error: unknown) => {
      if (this.reported) return;
      this.reported = true;
      process.stderr.write(`stator: cannot write the log file ${this.out.file}: ${(error as Error).message}\n`);
    });
  }
}
