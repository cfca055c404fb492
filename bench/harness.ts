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
export async function measure(name: string, op: () => unknown, options: MeasureOptions = {}): Promise<Measurement> {
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

/** One subject of {@link comparePaired}: a name and the call to time. */
export interface PairedSubject {
  readonly name: string;
  readonly call: () => unknown;
}

/** What {@link comparePaired} found for one subject, against the first (the baseline). */
export interface PairedResult {
  readonly name: string;
  /** Median throughput over the rounds. */
  readonly opsPerSec: number;
  /** Median over the rounds of this subject's throughput over the baseline's in the same round. */
  readonly ratio: number;
  /** Least and greatest per-round ratio. */
  readonly ratioRange: readonly [number, number];
  /** Median CPU time of this process per call (user + system), nanoseconds. */
  readonly cpuNsPerOp: number;
  /** Median over the rounds of the baseline's CPU per call over this subject's. */
  readonly cpuRatio: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * Compares subjects in paired rounds, for a machine whose load moves while the benchmark runs:
 * each round measures every subject for a short time, back to back (the order reversed every
 * other round), and the ratio to the baseline is taken within the round. The median of those
 * ratios is what a burst of someone else's load cannot decide; the range shows the spread.
 * CPU time per call (this process, user + system) is measured the same way.
 */
export async function comparePaired(
  title: string,
  subjects: readonly PairedSubject[],
  options: { readonly concurrency: number; readonly rounds?: number; readonly roundMs?: number },
): Promise<PairedResult[]> {
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 15);
  const roundMs = options.roundMs ?? Math.round(Number(process.env.BENCH_MS ?? 1500) / 5);
  const { concurrency } = options;
  for (const s of subjects) await runFor(s.call, roundMs, concurrency);
  const ops: number[][] = subjects.map(() => []);
  const cpu: number[][] = subjects.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = subjects.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) {
      const subject = subjects[i] as PairedSubject;
      const cpuBefore = process.cpuUsage();
      const start = process.hrtime.bigint();
      const n = await runFor(subject.call, roundMs, concurrency);
      const elapsedNs = Number(process.hrtime.bigint() - start);
      const used = process.cpuUsage(cpuBefore);
      (ops[i] as number[]).push((n / elapsedNs) * 1e9);
      (cpu[i] as number[]).push(((used.user + used.system) * 1000) / n);
    }
  }
  const baseOps = ops[0] as number[];
  const baseCpu = cpu[0] as number[];
  const results = subjects.map((s, i): PairedResult => {
    const ratios = (ops[i] as number[]).map((v, r) => v / (baseOps[r] as number));
    return {
      name: s.name,
      opsPerSec: median(ops[i] as number[]),
      ratio: median(ratios),
      ratioRange: [Math.min(...ratios), Math.max(...ratios)],
      cpuNsPerOp: median(cpu[i] as number[]),
      cpuRatio: median((cpu[i] as number[]).map((v, r) => (baseCpu[r] as number) / v)),
    };
  });
  console.log(`\n## ${title} (${rounds} paired rounds of ${roundMs} ms, medians)`);
  console.log(
    `${'case'.padEnd(52)} ${'ops/s'.padStart(14)} ${'vs first'.padStart(9)} ${'range'.padStart(12)} ${'CPU/call'.padStart(10)} ${'CPU vs first'.padStart(13)}`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(52)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(14)} ${`${r.ratio.toFixed(2)}x`.padStart(9)} ${`${r.ratioRange[0].toFixed(2)}–${r.ratioRange[1].toFixed(2)}`.padStart(12)} ${`${Math.round(r.cpuNsPerOp)} ns`.padStart(10)} ${`${r.cpuRatio.toFixed(2)}x`.padStart(13)}`,
    );
  }
  return results;
}

/**
 * Prints one target of an issue with its verdict, in one greppable form:
 * `target: <what> within|NOT within (<measured>, needs <bound>)`.
 */
export function printTarget(what: string, ok: boolean, measured: string, needs: string): boolean {
  console.log(`target: ${what} ${ok ? 'within' : 'NOT within'} (${measured}, needs ${needs})`);
  return ok;
}
