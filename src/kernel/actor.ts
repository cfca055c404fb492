import {
  createActor,
  type AnyStateMachine,
  type Actor,
  type InputFrom,
  type InspectionEvent,
  type Snapshot,
} from 'xstate';
import type { RuntimeContext } from './context.js';
import { stampSchedulerWithClock } from './xstate-internals.js';

/** Options of {@link startMachine}. */
export interface StartMachineOptions<TMachine extends AnyStateMachine> {
  /** The name on the event log and in status (`supervisor`, `breaker.cache`, `pool.database/conn-3`). */
  readonly source: string;
  readonly input?: InputFrom<TMachine>;
  /** Restore from a persisted snapshot instead of starting fresh. */
  readonly snapshot?: Snapshot<unknown>;
  /** Set to false for machines driven per call on a hot path whose events would flood the log. Default true. */
  readonly record?: boolean;
}

/**
 * Creates and starts an actor for one of Stator's machines, the one way `src/` does it:
 * - on the instance's clock, so the simulated clock drives its delays;
 * - with every event and resulting state published on the event bus;
 * - with an error observer, because an actor error that nobody handles ends the Node process
 *   in XState v5; here it is logged instead and the service keeps running.
 */
export function startMachine<TMachine extends AnyStateMachine>(
  ctx: RuntimeContext,
  machine: TMachine,
  options: StartMachineOptions<TMachine>,
): Actor<TMachine> {
  const actor = createActor(machine, {
    clock: ctx.clock,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.snapshot !== undefined ? { snapshot: options.snapshot } : {}),
    ...inspectOption(ctx, options),
  } as Parameters<typeof createActor<TMachine>>[1]);
  actor.subscribe({
    error: (error: unknown) => {
      ctx.logger.error(`machine ${options.source} stopped on an unhandled error`, { error });
    },
  });
  stampSchedulerWithClock(actor, ctx.clock);
  actor.start();
  return actor;
}

function inspectOption(
  ctx: RuntimeContext,
  options: { readonly source: string; readonly record?: boolean },
): { inspect?: (event: InspectionEvent) => void } {
  const record = options.record === false ? undefined : ctx.events.inspector(options.source);
  const extra = ctx.inspect;
  if (record && extra) {
    return {
      inspect: (event) => {
        record(event);
        extra(event);
      },
    };
  }
  const only = record ?? extra;
  return only ? { inspect: only } : {};
}
