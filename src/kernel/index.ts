/**
 * The ground floor: time, the runtime context, starting machines, the layer contract, the event
 * bus, persistence, and the one back-off, deadline and histogram that every capability shares.
 * It imports no capability.
 */
export { systemClock, TestClock, sleep, flushMicrotasks, type Clock } from './clock.js';
export type { ResourceLayer, LayerHealth, LayerStartContext } from './layer.js';
export type { RuntimeContext } from './context.js';
export { EVENT_LOG_VERSION, type StatorEvent, type EventBus } from './event-bus.js';
export { persistMachine, restoreMachine, type PersistedMachine, type PersistedTimer } from './persistence.js';
export { backoffDelay, type Backoff, type BackoffKind, type JitterKind } from './backoff.js';
