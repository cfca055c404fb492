/** The event log: reading and writing JSONL logs of machine events, and replaying them. */
export { replay, type ReplayOptions, type ReplayResult, type ReplayStep } from './replay.js';
export { parseEventLog, readEventLog, EventLogFormatError } from './event-log-reader.js';
export { formatTimeline, type TimelineOptions } from './timeline.js';
export { overrideInputs, type InputOverrides } from './replay-overrides.js';
