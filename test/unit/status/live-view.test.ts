import { describe, expect, it } from 'vitest';
import { alertLine, observabilityLines, resourceExtras } from '../../../src/cli/start/observability-text.js';
import { statusLines } from '../../../src/cli/start/status-text.js';
import type { ResourceStatus, StatusSnapshot } from '../../../src/status/status-manager.js';

const resource = (extra: Partial<ResourceStatus> = {}): ResourceStatus => ({
  state: 'ready',
  since: 0,
  optional: false,
  dependsOn: [],
  attempts: 1,
  restarts: 0,
  ...extra,
});

describe('live view: pools, breakers, alerts', () => {
  it("shows a resource's pool and a breaker that is not closed", () => {
    const r = resource({
      pool: { resource: 'database', total: 10, idle: 4, busy: 6, pending: 3, utilization: 0.6 },
      breaker: { state: 'open', since: 0, nextAttemptAt: 12_000 },
    });
    expect(resourceExtras(r, 0)).toBe('pool 6/10 busy (60%), 3 waiting  breaker open, retry in 12s');
    expect(resourceExtras(resource({ breaker: { state: 'closed' } }), 0)).toBe('');
  });

  it('puts readiness and open alerts under the resource table', () => {
    const snapshot: StatusSnapshot = {
      status: 'degraded',
      supervisor: 'running',
      time: 130_000,
      recentRestarts: 0,
      resources: {
        database: resource({
          pool: { resource: 'database', total: 10, idle: 0, busy: 10, pending: 4, utilization: 1 },
        }),
        cache: resource({ state: 'recovering', lastError: { name: 'Error', message: 'connect ECONNREFUSED' } }),
      },
      readiness: { ready: false, reason: 'cache is recovering: connect ECONNREFUSED' },
      alerts: [
        { rule: 'pool_utilization', status: 'firing', since: 6_000, value: 1, threshold: 0.9, severity: 'warning' },
      ],
    };
    const lines = statusLines(snapshot, 130_000);
    expect(lines[1]).toMatch(/database .*pool 10\/10 busy \(100%\), 4 waiting$/);
    expect(lines.slice(-2)).toEqual([
      '  not ready: cache is recovering: connect ECONNREFUSED',
      '  ! alert pool_utilization firing 2m04s (value 1, threshold 0.9)',
    ]);
    expect(observabilityLines({ ...snapshot, readiness: { ready: true }, alerts: [] }, 0)).toEqual([]);
  });

  it('writes one plain line per alert transition', () => {
    expect(
      alertLine({
        rule: 'error_rate',
        from: 'pending',
        to: 'firing',
        value: 0.25,
        threshold: 0.1,
        severity: 'critical',
        time: 0,
      }),
    ).toBe('! alert error_rate pending -> firing (value 0.250, threshold 0.1)');
  });
});
