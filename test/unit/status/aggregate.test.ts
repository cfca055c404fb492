import { describe, expect, it } from 'vitest';
import { aggregateStatus, resourceStatus, worstOf, type AggregatedResource } from '../../../src/status/aggregate.js';

const r = (state: AggregatedResource['state'], optional = false): AggregatedResource => ({ state, optional });

describe('aggregation (worst state wins)', () => {
  it('ranks down > degraded > up', () => {
    expect(worstOf([])).toBe('up');
    expect(worstOf(['up', 'degraded', 'up'])).toBe('degraded');
    expect(worstOf(['degraded', 'down', 'up'])).toBe('down');
  });

  it('maps each resource state to its own status', () => {
    expect(resourceStatus(r('ready'))).toBe('up');
    expect(resourceStatus(r('degraded'))).toBe('degraded');
    // A required resource that cannot serve (its check failed, or it is being restarted) is down.
    expect(resourceStatus(r('recovering'))).toBe('down');
    expect(resourceStatus(r('initializing'))).toBe('down');
    expect(resourceStatus(r('recovering', true))).toBe('degraded');
    expect(resourceStatus(r('stopped', true))).toBe('degraded');
    expect(resourceStatus(r('failed'))).toBe('down');
    expect(resourceStatus(r('failed', true))).toBe('degraded');
  });

  it('is down whenever the supervisor is not running, else the worst resource', () => {
    for (const phase of ['idle', 'starting', 'stopping', 'stopped', 'failed'] as const)
      expect(aggregateStatus(phase, [r('ready')])).toBe('down');
    expect(aggregateStatus('running', [r('ready'), r('ready')])).toBe('up');
    expect(aggregateStatus('running', [r('ready'), r('recovering')])).toBe('down');
    expect(aggregateStatus('running', [r('ready'), r('recovering', true)])).toBe('degraded');
    expect(aggregateStatus('running', [r('failed', true), r('ready')])).toBe('degraded');
    expect(aggregateStatus('running', [r('degraded'), r('failed')])).toBe('down');
  });
});
