import { fromCallback, fromPromise } from 'xstate';
import {
  describeError,
  resourceMachine,
  type InitializeResourceInput,
  type ResourceActorInput,
  type ResourceEvent,
  type ResourceHealthReport,
} from '../../machines/resource.machine.js';
import { isAuthenticationFailure, nameAuthenticationFailure } from './start-failure.js';
import type { BreakerHandle } from '../resilience/breaker/breaker-handle.js';
import { timedHealthCheck } from '../status/slow-check.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { LayerHealth, ResourceLayer } from '../kernel/layer.js';

/** A layer's {@link LayerHealth} as the resource machine keeps it (plain data, no Error object). */
export function toHealthReport(health: LayerHealth | undefined): ResourceHealthReport {
  if (!health || typeof health !== 'object') {
    return {
      status: 'down',
      error: { name: 'Error', message: `health check returned ${String(health)}, expected { status }` },
    };
  }
  switch (health.status) {
    case 'up':
      return { status: 'up' };
    case 'degraded':
      return { status: 'degraded', reason: String(health.reason) };
    case 'down':
      return { status: 'down', error: describeError(health.error) };
    default:
      return {
        status: 'down',
        error: {
          name: 'Error',
          message: `unknown health status ${JSON.stringify((health as { status: unknown }).status)}`,
        },
      };
  }
}

/**
 * A failed start is tried again while attempts remain, unless the server refused the credentials:
 * that is not transient (the supervisor's crash-loop back-off may still revive the resource later).
 */
const canRetryInitialization = (args: {
  context: { attempt: number; retryAttempts: number };
  event: unknown;
}): boolean =>
  args.context.attempt <= args.context.retryAttempts &&
  !isAuthenticationFailure((args.event as { error?: unknown }).error);

/**
 * The resource machine with its actors bound to `layers`: `initializeResource` calls
 * `layer.start`, `checkHealth` `layer.check`, `stopResource` `layer.stop`, and `watchHealth`
 * subscribes to `layer.health$` for as long as the resource is running, forwarding every value
 * as a `LAYER.HEALTH` event.
 *
 * Each call is made inside an async function, so a layer that throws synchronously is treated
 * like one that rejects: the machine's `onError` path takes it, and nothing reaches the host
 * process as an unhandled error. A `health$` that cannot be subscribed to fails the watcher,
 * whose `onError` records the error (the resource keeps running on its periodic checks).
 */
export function provideResourceMachine(
  ctx: RuntimeContext,
  layers: ReadonlyMap<string, ResourceLayer>,
  breakerOf: (name: string) => BreakerHandle | undefined = () => undefined,
) {
  const layerOf = (name: string): ResourceLayer => {
    const layer = layers.get(name);
    if (!layer) throw new Error(`no layer named ${name}`);
    return layer;
  };

  return resourceMachine.provide({
    guards: { canRetryInitialization },
    actors: {
      initializeResource: fromPromise<void, InitializeResourceInput>(async ({ input, signal }) => {
        const dependencies = new Map(input.dependencies.map((name) => [name, layerOf(name)] as const));
        try {
          await layerOf(input.name).start({ signal, attempt: input.attempt, dependencies });
        } catch (error) {
          throw nameAuthenticationFailure(error, input.name);
        }
        // Started outside its breaker: the resource is back, so are the application's calls.
        breakerOf(input.name)?.recovered();
      }),
      checkHealth: fromPromise<ResourceHealthReport, ResourceActorInput>(async ({ input, signal }) => {
        const report = toHealthReport(await timedHealthCheck(ctx, input.name, () => layerOf(input.name).check(signal)));
        if (report.status === 'up') breakerOf(input.name)?.recovered();
        return report;
      }),
      stopResource: fromPromise<void, ResourceActorInput>(async ({ input, signal }) => {
        await layerOf(input.name).stop(signal);
      }),
      watchHealth: fromCallback<ResourceEvent, ResourceActorInput>(({ input, sendBack }) => {
        try {
          const health$ = layerOf(input.name).health$;
          const subscription = health$?.subscribe({
            next: (health) => sendBack({ type: 'LAYER.HEALTH', health: toHealthReport(health) }),
            error: (error: unknown) =>
              sendBack({ type: 'LAYER.HEALTH', health: { status: 'down', error: describeError(error) } }),
          });
          // The application's calls tripped the breaker: check the resource now (every retry_delay
          // while recovering) rather than at the next health interval; a passing check closes it.
          const tripped = breakerOf(input.name)?.state$.subscribe((b) => {
            if (b.state !== 'open') return;
            const message = `the ${input.name} circuit breaker opened (${b.reason ?? 'tripped'}); checking the resource`;
            sendBack({
              type: 'LAYER.HEALTH',
              health: { status: 'down', error: { name: 'CircuitOpenError', message, code: 'CIRCUIT_OPEN' } },
            });
          });
          return () => {
            subscription?.unsubscribe();
            tripped?.unsubscribe();
          };
        } catch (error) {
          // A broken health$ does not take the resource down: the machine records the error as the
          // resource's last error (the watcher's onError) and periodic checks still run.
          ctx.logger.warn(`resource ${input.name}: could not watch its health$`, { error });
          throw error;
        }
      }),
    },
  });
}
