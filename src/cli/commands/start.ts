import { InvalidArgumentError, type Command } from 'commander';
import { serverOptionsOf, startStatorServer, type StatorServer } from '../../http/server.js';
import { systemClock } from '../../kernel/clock.js';
import type { Subscription } from 'rxjs';
import { lockBasePath, type BasePathLock } from '../start/base-path-lock.js';
import { createStator } from '../../runtime/create-stator.js';
import type { Stator, StopReport } from '../../runtime/stator.js';
import { liveTable, printChanges, type ViewOutput } from '../start/status-view.js';
import { statusLines } from '../start/status-text.js';

/** Options of `stator start`. */
interface StartOptions {
  readonly config?: string;
  readonly once?: boolean;
  readonly json?: boolean;
  readonly http: boolean;
  readonly httpPort?: number;
}

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('expected a port from 0 to 65535');
  return port;
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * `stator start [--config FILE] [--once]`: brings the resources up (the embedded default without
 * a file), prints each as it comes up, then a live status view; SIGINT/SIGTERM stop everything
 * in reverse dependency order and exit 0 when every resource stopped cleanly. `--once` prints
 * the status and exits 0 when up, 1 otherwise.
 */
export function register(program: Command): void {
  program
    .command('start')
    .description(
      'start the cache, filesystem and database, show their status live, stop them in reverse order on SIGINT/SIGTERM',
    )
    .option(
      '-c, --config <file>',
      'YAML configuration (default: the embedded default: memory cache, SQLite under ./var)',
    )
    .option('--once', 'start, print the status, stop again; exit 0 when up, 1 otherwise')
    .option(
      '--json',
      'print status as JSON on stdout: one snapshot per line as it changes (with --once: the final snapshot); messages go to stderr',
    )
    .option('--no-http', 'do not serve /health /live /ready /metrics /status (see http: in the configuration)')
    .option('--http-port <port>', 'serve the endpoints on this port instead of http.port (0: any free port)', parsePort)
    .addHelpText(
      'after',
      [
        '',
        'Logs go to stderr (LOG_LEVEL, default error: the view already shows each resource). One Stator per',
        "filesystem.base_path: a second one is refused, naming the first one's PID. A busy http.port fails the",
        'start (http.required: false starts without the endpoints). A second SIGINT/SIGTERM exits without waiting.',
        'Exit status: 0 when every resource started and stopped cleanly (with --once: when the status was up), 1 otherwise.',
      ].join('\n'),
    )
    .action(async (options: StartOptions) => {
      const code = await runStart(options);
      process.exitCode = code;
      // Whatever a driver left open must not keep a stopped Stator alive; say what it was.
      setTimeout(() => {
        const open = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout');
        process.stderr.write(
          `stator: still running 2 s after stopping (open: ${open.join(', ') || 'timers'}); exiting\n`,
        );
        process.exit(code);
      }, 2_000).unref();
    });
}

/**
 * Log lines the command's own output already says: each resource's state (the view prints it)
 * and the startup failure (printed once, as text, when `start()` rejects).
 */
const saidByTheView = (entry: { readonly message: string }): boolean =>
  !entry.message.startsWith('resource ') && !entry.message.startsWith('Stator could not start');

async function runStart(options: StartOptions): Promise<number> {
  const stderr: ViewOutput = { write: (t) => void process.stderr.write(t), tty: false };
  let stator: Stator;
  try {
    stator = createStator({
      ...(options.config ? { config: options.config } : {}),
      logger: { level: process.env.LOG_LEVEL ?? 'error', filter: saidByTheView },
    });
  } catch (error) {
    stderr.write(`${messageOf(error)}\n`);
    return 1;
  }
  let lock: BasePathLock;
  try {
    lock = lockBasePath(stator.config.filesystem.base_path);
  } catch (error) {
    stderr.write(`stator: ${messageOf(error)}\n`);
    await stator.stop();
    return 1;
  }
  try {
    return await runLocked(stator, options, stderr);
  } finally {
    lock.release();
  }
}

async function runLocked(stator: Stator, options: StartOptions, stderr: ViewOutput): Promise<number> {
  const stdout: ViewOutput = { write: (t) => void process.stdout.write(t), tty: Boolean(process.stdout.isTTY) };
  const clock = systemClock;
  // With --json, stdout carries JSON only; what a person reads goes to stderr.
  const progress = options.json ? stderr : stdout;

  const source = options.config
    ? `configuration ${options.config}`
    : 'embedded default (memory cache, SQLite under ./var)';
  progress.write(`stator: starting on the ${source}\n`);
  if (options.once) {
    const changes = printChanges(stator, progress, clock);
    try {
      return await runOnce(stator, options, stdout, stderr);
    } finally {
      changes.unsubscribe();
    }
  }

  const server = await serveEndpoints(stator, options, progress, stderr);
  if (server === 'failed') {
    await stator.stop();
    return 1;
  }
  let changes = options.json ? jsonStream(stator, stdout) : printChanges(stator, progress, clock);
  const requests = watchStopRequests(stator, stderr);

  let started = true;
  const starting = stator.start().catch((error: unknown) => {
    started = false;
    if (!requests.signalled()) stderr.write(`${messageOf(error)}\n`);
  });
  const first = await Promise.race([starting.then(() => 'started'), requests.reason]);
  const running = first === 'started' && started;
  const stopView = running ? showRunning(stator, options, { stdout, progress }, changes) : () => undefined;

  const reason = await requests.reason;
  stopView();
  requests.stopWatchingFailure();
  if (changes.closed) changes = printChanges(stator, progress, clock);
  // A signal after a successful start shuts down gracefully (readiness first, drain, then stop).
  const graceful = requests.signalled() && started && first === 'started';
  const { report, drained } = await stopStator(stator, reason, graceful, progress);
  changes.unsubscribe();
  requests.removeSignalHandlers();
  await server?.close().catch(() => undefined);

  const failed = reason === 'the supervisor failed' || !started;
  return reportStopped(report, report.clean && drained && !failed, options, { stdout, progress });
}

/** What stops a running `stator start`: a shutdown signal (a second one exits at once) or the supervisor failing. */
interface StopRequests {
  /** The reason of the first request: the signal's name, or `the supervisor failed`. */
  readonly reason: Promise<string>;
  /** True once a signal came. */
  signalled(): boolean;
  /** Stops watching for the supervisor's failure. */
  stopWatchingFailure(): void;
  /** Removes the signal handlers (after the Stator stopped: a second signal while stopping exits). */
  removeSignalHandlers(): void;
}

function watchStopRequests(stator: Stator, stderr: ViewOutput): StopRequests {
  const signals = stator.config.shutdown.signals;
  let stopRequested: ((reason: string) => void) | undefined;
  const reason = new Promise<string>((resolve) => (stopRequested = resolve));
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      stderr.write(`stator: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    signalled = true;
    stopRequested?.(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  const failure = stator.status$.subscribe((s) => {
    if (s.supervisor === 'failed') stopRequested?.('the supervisor failed');
  });
  return {
    reason,
    signalled: () => signalled,
    stopWatchingFailure: () => failure.unsubscribe(),
    removeSignalHandlers: () => {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}

/** Where `stator start` writes: `stdout`, and `progress` (stderr with --json, so stdout carries JSON only). */
interface StartOutputs {
  readonly stdout: ViewOutput;
  readonly progress: ViewOutput;
}

/**
 * Says the Stator is up; on a terminal the change lines give way to the live table. Returns what
 * stops the live table (nothing to stop otherwise).
 */
function showRunning(stator: Stator, options: StartOptions, out: StartOutputs, changes: Subscription): () => void {
  const signals = stator.config.shutdown.signals;
  out.progress.write(`stator: ${stator.health().status}; ${signals.join(' or ')} stops it\n`);
  // With --json the stream goes on as it is.
  if (options.json) return () => undefined;
  if (out.stdout.tty) {
    changes.unsubscribe();
    return liveTable(stator, out.stdout, systemClock);
  }
  out.stdout.write(`${statusLines(stator.health(), systemClock.now()).join('\n')}\n`);
  return () => undefined;
}

/** Stops the Stator: gracefully (not ready, drain, stop) after a signal that followed a good start, else at once. */
async function stopStator(
  stator: Stator,
  reason: string,
  graceful: boolean,
  progress: ViewOutput,
): Promise<{ report: StopReport; drained: boolean }> {
  const { drain_delay: delay, drain_timeout: timeout } = stator.config.shutdown;
  progress.write(
    graceful
      ? `stator: ${reason}: not ready from now; draining in ${delay}s (at most ${timeout}s), then stopping in reverse dependency order\n`
      : `stator: ${reason}, stopping in reverse dependency order\n`,
  );
  if (!graceful) return { report: await stator.stop(), drained: true };
  const shutdown = await stator.shutdown();
  if (!shutdown.drained)
    progress.write(
      `stator: in-flight work of ${shutdown.undrained.join(', ')} was still running after shutdown.drain_timeout\n`,
    );
  return { report: shutdown.stop, drained: shutdown.drained };
}

/** Says how the stop went (and with --json, one `stopped` line on stdout); the exit status. */
function reportStopped(report: StopReport, ok: boolean, options: StartOptions, out: StartOutputs): number {
  const { progress, stdout } = out;
  if (report.abandoned.length)
    progress.write(`stator: abandoned ${report.abandoned.join(', ')} after supervisor.stop_timeout\n`);
  for (const e of report.errors) progress.write(`stator: ${e.resource} did not stop cleanly: ${e.message}\n`);
  progress.write(`stator: stopped (order: ${report.order.join(', ') || 'nothing was running'})\n`);
  if (options.json)
    stdout.write(
      `${JSON.stringify({ type: 'stopped', time: new Date(systemClock.now()).toISOString(), ...report, ok })}\n`,
    );
  return ok ? 0 : 1;
}

async function runOnce(stator: Stator, options: StartOptions, stdout: ViewOutput, stderr: ViewOutput): Promise<number> {
  try {
    await stator.start();
  } catch (error) {
    stderr.write(`${messageOf(error)}\n`);
  }
  const snapshot = stator.health();
  if (options.json) stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
  else stdout.write(`${statusLines(snapshot, systemClock.now()).join('\n')}\n`);
  const report = await stator.stop();
  (options.json ? stderr : stdout).write(
    `stator: stopped (order: ${report.order.join(', ') || 'nothing was running'})\n`,
  );
  return snapshot.status === 'up' && report.clean ? 0 : 1;
}

/**
 * One JSON object per line on `out` for every status change: `{"type":"status","status":"up",
 * "time":...,"resources":{...}}` (the snapshot `/status` serves), the current one first.
 */
function jsonStream(stator: Stator, out: ViewOutput): Subscription {
  return stator.status$.subscribe((snapshot) => out.write(`${JSON.stringify({ type: 'status', ...snapshot })}\n`));
}

/**
 * Serves the HTTP endpoints when enabled. A port that cannot be bound fails the start
 * (`'failed'`, said once on stderr) unless `http.required` is false, then it goes on without them.
 */
async function serveEndpoints(
  stator: Stator,
  options: StartOptions,
  stdout: ViewOutput,
  stderr: ViewOutput,
): Promise<StatorServer | undefined | 'failed'> {
  const http = stator.config.http;
  if (!options.http || !http.enabled) return undefined;
  const port = options.httpPort ?? http.port;
  try {
    const server = await startStatorServer(stator, { ...serverOptionsOf(http), port });
    stdout.write(
      `stator: serving ${server.url}/health /live /ready /metrics /status${http.dashboard ? ' /dashboard/' : ''}\n`,
    );
    return server;
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is in use' : messageOf(error);
    if (!http.required) {
      stderr.write(
        `stator: cannot serve the endpoints on ${http.host}:${port} (${why}); going on without them (http.required: false)\n`,
      );
      return undefined;
    }
    stderr.write(
      `stator: cannot serve the endpoints on ${http.host}:${port} (${why}); stop what uses it, choose another http.port ` +
        '(or --http-port), or set http.required: false to start without them\n',
    );
    return 'failed';
  }
}
