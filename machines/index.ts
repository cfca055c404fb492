import type { AnyStateMachine } from 'xstate';
import { alertMachine } from './alert.machine.js';
import { circuitBreakerMachine } from './circuit-breaker.machine.js';
import { connectionMachine } from './connection.machine.js';
import { resourceMachine } from './resource.machine.js';
import { supervisorMachine } from './supervisor.machine.js';
import { transactionMachine } from './transaction.machine.js';

/**
 * Every Stator machine by its id: what a replay starts when a log says `xstate.init`, and what
 * the model-based tests walk. Keep in step with `stately.config.json`.
 */
export const machinesById: Readonly<Record<string, AnyStateMachine>> = {
  supervisor: supervisorMachine,
  resource: resourceMachine,
  connection: connectionMachine,
  transaction: transactionMachine,
  circuitBreaker: circuitBreakerMachine,
  alert: alertMachine,
};
