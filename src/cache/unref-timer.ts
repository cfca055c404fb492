/**
 * Lets the process exit while `timer` is pending, when it is a Node timer (a `TestClock` id is
 * left alone). For watchdog timers such as the cache's deadline timer: a call in flight keeps the
 * process alive through its socket, so the timer never needs to.
 */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function') timer.unref();
}
