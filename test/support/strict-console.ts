import { afterAll, beforeAll } from 'vitest';

/**
 * Registered in vitest.config.ts `setupFiles`: a test file fails when an XState warning (an event
 * sent to a stopped actor, a misused action, ...) or an unhandled promise rejection appears while it
 * runs. The message is still printed, so the log shows where it came from. `STRICT_CONSOLE=report`
 * prints a summary with console.error instead of failing.
 */
const XSTATE_WARNING =
  /was sent to stopped actor|Custom actions should not call|Missing `machine.output`|Could not resolve StateNode|Wildcards can only be|Infix wildcards|Dynamically mapping values/;

const seen: string[] = [];
const originalWarn = console.warn;
const originalError = console.error;

function watch(original: typeof console.warn): typeof console.warn {
  return (...args: unknown[]) => {
    const text = args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : String(a))).join(' ');
    if (XSTATE_WARNING.test(text)) seen.push(`XState warning: ${text.split('\n')[0]}`);
    original.apply(console, args);
  };
}

function onRejection(reason: unknown): void {
  seen.push(`unhandled rejection: ${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`);
}

beforeAll(() => {
  seen.length = 0;
  console.warn = watch(originalWarn);
  console.error = watch(originalError);
  process.on('unhandledRejection', onRejection);
});

afterAll(async () => {
  // Rejections of the last test surface on a later turn of the event loop.
  await new Promise((done) => setImmediate(done));
  process.off('unhandledRejection', onRejection);
  console.warn = originalWarn;
  console.error = originalError;
  if (seen.length === 0) return;
  const summary = `${seen.length} unexpected warning(s) or unhandled rejection(s) in this file:\n${seen.map((s) => `  - ${s}`).join('\n')}`;
  if (process.env.STRICT_CONSOLE === 'report') originalError(`[strict-console] ${summary}`);
  else throw new Error(summary);
});
