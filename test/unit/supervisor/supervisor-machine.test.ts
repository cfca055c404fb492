import { createActor, fromCallback, fromPromise, sendParent } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  describeError,
  resourceMachine,
  type InitializeResourceInput,
  type ResourceActorInput,
  type ResourceEvent,
  type ResourceHealthReport,
} from '../../../machines/resource.machine.js';
import { supervisorMachine, type SupervisedResourceInput } from '../../../machines/supervisor.machine.js';
import { TestClock } from '../../../src/kernel/clock.js';

const input = (name: string, dependsOn: string[] = []): SupervisedResourceInput => ({
  name,
  dependsOn,
  optional: false,
  retryAttempts: 0,
  retryDelay: 1000,
  timeout: 5000,
  healthInterval: 10_000,
  stopTimeout: 5000,
});

/** The resource machine with actors that succeed at once, and a reportReady that throws `crashes` times. */
function resources(crashes: number) {
  let left = crashes;
  return resourceMachine.provide({
    actors: {
      initializeResource: fromPromise<void, InitializeResourceInput>(async () => undefined),
      checkHealth: fromPromise<ResourceHealthReport, ResourceActorInput>(async () => ({ status: 'up' })),
      stopResource: fromPromise<void, ResourceActorInput>(async () => undefined),
      watchHealth: fromCallback<ResourceEvent, ResourceActorInput>(() => undefined),
    },
    actions: {
      reportReady: sendParent(({ context }) => {
        if (left-- > 0) throw new Error(`bug in ${context.name}`);
        return { type: 'RESOURCE.READY', name: context.name, attempt: context.attempt };
      }),
    },
  });
}

describe('supervisor machine', () => {
  it('replaces a resource actor that crashed and starts it again, without failing itself', async () => {
    const clock = new TestClock();
    const actor = createActor(supervisorMachine.provide({ actors: { resource: resources(1) } }), {
      clock,
      input: {
        resources: [input('a'), input('b', ['a'])],
        strategy: 'one_for_one',
        maxRestarts: 3,
        restartPeriod: 60_000,
      },
    });
    const errors: unknown[] = [];
    actor.subscribe({ error: (e) => errors.push(e) });
    actor.start();
    actor.send({ type: 'START' });
    await clock.advance(100);

    const snapshot = actor.getSnapshot();
    expect(errors).toEqual([]);
    expect(snapshot.status).toBe('active');
    expect(snapshot.value).toEqual({ running: 'healthy' });
    expect(snapshot.context.resources.a?.state).toBe('ready');
    expect(snapshot.context.resources.a?.lastError?.message).toBe('the resource actor crashed: bug in a');
    expect(snapshot.context.resources.b?.state).toBe('ready');
    actor.stop();
  });

  it('describeError never throws, whatever was thrown', () => {
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(describeError(Object.create(null))).toMatchObject({ name: 'Error' });
    expect(describeError(hostile).message).toContain('cannot be described');
    expect(describeError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toEqual({
      name: 'Error',
      message: 'refused',
      code: 'ECONNREFUSED',
    });
    expect(describeError('plain text')).toEqual({ name: 'Error', message: 'plain text' });
    expect(describeError(undefined).message).toBe('unknown error');
  });
});
