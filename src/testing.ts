/**
 * `stator/testing`: what a test of a service that embeds Stator needs: the simulated clock, and
 * (with the event-log capability) replay of a recorded event log.
 */
export { TestClock, flushMicrotasks } from './kernel/index.js';
export {
  replay,
  type ReplayOptions,
  type ReplayResult,
  type ReplayStep,
  parseEventLog,
  readEventLog,
  formatTimeline,
  type TimelineOptions,
  overrideInputs,
  type InputOverrides,
} from './events/index.js';
