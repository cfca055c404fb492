import { describe, expect, it } from 'vitest';
import { changeLine, formatDuration, statusLines } from '../../../src/cli/start/status-text.js';
import type { ResourceStatus, StatusSnapshot } from '../../../src/status/status-manager.js';

const resource = (patch: Partial<ResourceStatus>): ResourceStatus => ({
  state: 'ready',
  since: 0,
  optional: false,
  dependsOn: [],
  attempts: 1,
  restarts: 0,
  ...patch,
});

describe('stator start: status text', () => {
  it('formats durations compactly', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(184_000)).toBe('3m04s');
    expect(formatDuration(7_500_000)).toBe('2h05m');
  });

  it('prints one line per resource with state, age, flags and why it is not ready', () => {
    const snapshot: StatusSnapshot = {
      status: 'degraded',
      supervisor: 'running',
      time: 60_000,
      recentRestarts: 1,
      resources: {
        cache: resource({ since: 48_000 }),
        database: resource({
          state: 'recovering',
          since: 59_000,
          restarts: 1,
          lastError: { name: 'Error', message: 'connect ECONNREFUSED' },
        }),
        search: resource({ state: 'degraded', since: 30_000, optional: true, reason: 'one replica down' }),
      },
    } as StatusSnapshot;
    expect(statusLines(snapshot, 60_000)).toEqual([
      'stator: degraded (running), 3 resources',
      '  ✓ cache    ready           12s',
      '  ! database recovering       1s  restarts 1  connect ECONNREFUSED',
      '  ~ search   degraded        30s  optional  one replica down',
    ]);
  });

  it('says what changed: states worth a line, and retried attempts', () => {
    expect(changeLine('cache', resource({ state: 'initializing' }), resource({ state: 'ready' }))).toBe(
      '✓ cache ready',
    );
    expect(changeLine('cache', resource({ state: 'idle' }), resource({ state: 'initializing' }))).toBeUndefined();
    expect(changeLine('cache', resource({}), resource({}))).toBeUndefined();
    expect(
      changeLine(
        'database',
        resource({ state: 'initializing', attempts: 1 }),
        resource({ state: 'initializing', attempts: 2, lastError: { name: 'Error', message: 'refused' } }),
      ),
    ).toBe('! database attempt 2 failed: refused; retrying');
    expect(
      changeLine(
        'database',
        resource({ state: 'stopping' }),
        resource({
          state: 'stopped',
          stopOutcome: 'abandoned',
          lastError: { name: 'TimeoutError', message: 'stopping took longer than 10 s' },
        }),
      ),
    ).toBe('· database stopped: abandoned: stopping took longer than 10 s');
  });
});
