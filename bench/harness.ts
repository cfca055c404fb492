/**
 * The benchmark harness: times an operation for a fixed duration at a given concurrency and
 * reports operations per second. Sections compare Stator against a baseline measured in the same
 * run, and print the ratio; absolute numbers on shared machines are noise, ratios are the result.
 */
export interface Measurement {
  readonly name: string;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly nsPerOp: number;
}

export interface MeasureOptions {
  /** Milliseconds of measured running (after warm-up). Default 1500, or BENCH_MS. */
  readonly durationMs?: number;
  /** Milliseconds of warm-up. Default a third of the duration. */
  readonly warmupMs?: number;
  /** Operations in flight at once (for async operations). Default 1. */
  readonly concurrency?: number;
}

const defaultDuration = (): number => Number(process.env.BENCH_MS ?? 1500);

/** Measures a synchronous or asynchronous operation. */
export async function measure(
  name: string,
  op: () => unknown,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const duration = options.durationMs ?? defaultDuration();
  const warmup = options.warmupMs ?? Math.round(duration / 3);
  const concurrency = options.concurrency ?? 1;
  await runFor(op, warmup, concurrency);
  const start = process.hrtime.bigint();
  const ops = await runFor(op, duration, concurrency);
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return { name, ops, opsPerSec: (ops / elapsedNs) * 1e9, nsPerOp: elapsedNs / ops };
}

async function runFor(op: () => unknown, ms: number, concurrency: number): Promise<number> {
  const deadline = performance.now() + ms;
  let ops = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      // Check the clock every 64 calls only, so that timing costs little against fast operations.
      for (let i = 0; i < 64; i++) {
        const r = op();
        if (r instanceof Promise) await r;
        ops++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ops;
}

/** Prints a comparison table: each row against the first (the baseline). */
export function printComparison(title: string, rows: readonly Measurement[]): void {
  const baseline = rows[0];
  if (!baseline) return;
  console.log(`\n## ${title}`);
  console.log(`${'case'.padEnd(52)} ${'ops/s'.padStart(14)} ${'ns/op'.padStart(10)} ${'vs first'.padStart(9)}`);
  for (const r of rows) {
    const ratio = r.opsPerSec / baseline.opsPerSec;
    console.log(
      `${r.name.padEnd(52)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(14)} ${r.nsPerOp.toFixed(0).padStart(10)} ${ratio.toFixed(2).padStart(8)}x`,
    );
  }
}

/** Heap bytes in use after a full collection (needs `node --expose-gc`). */
export function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}
