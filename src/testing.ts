/**
 * `stator/testing`: what a test of a service that embeds Stator needs: the simulated clock, and
 * (with the event-log capability) replay of a recorded event log.
 */
export { TestClock, flushMicrotasks } from './kernel/clock.js';
export { replay, type ReplayOptions, type ReplayResult, type ReplayStep } from './events/replay.js';
export { parseEventLog, readEventLog } from './events/event-log-reader.js';
export { formatTimeline } from './events/timeline.js';
export { overrideInputs, type InputOverrides } from './events/replay-overrides.js';
