import type { z } from 'zod';
import type { alertRuleSection } from '../../config/sections/monitoring.js';
import type { MetricsSnapshot } from '../metrics/metrics-snapshot.js';
import type { AlertRule } from './alert-rule.js';

/** A `monitoring.rules[]` entry as validated. */
export type AlertRuleConfig = z.output<typeof alertRuleSection>;

interface ParsedKey {
  readonly name: string;
  readonly labels: Record<string, string>;
}

const LABEL = /([A-Za-z_]\w*)=("(?:[^"\\]|\\.)*")/g;

/** Splits a {@link MetricsSnapshot.values} key back into name and labels. */
export function parseSeriesKey(key: string): ParsedKey {
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: {} };
  const labels: Record<string, string> = {};
  for (const m of key.slice(brace).matchAll(LABEL)) labels[m[1] as string] = JSON.parse(m[2] as string) as string;
  return { name: key.slice(0, brace), labels };
}

/**
 * The values of `snapshot` for `metric` (a family or sample name) whose labels include `labels`.
 * For a histogram family name, its `_count` samples are not included: name them explicitly.
 */
export function matchingValues(
  snapshot: MetricsSnapshot,
  metric: string,
  labels: Readonly<Record<string, string>> = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of Object.entries(snapshot.values)) {
    const parsed = parseSeriesKey(key);
    if (parsed.name !== metric) continue;
    if (Object.entries(labels).every(([k, v]) => parsed.labels[k] === v)) out.set(key, value);
  }
  return out;
}

function aggregate(kind: AlertRuleConfig['aggregate'], xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  switch (kind) {
    case 'sum':
      return xs.reduce((a, b) => a + b, 0);
    case 'avg':
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    case 'min':
      return Math.min(...xs);
    case 'max':
      return Math.max(...xs);
  }
}

/** Builds the {@link AlertRule} of a `monitoring.rules[]` entry. */
export function metricRule(rule: AlertRuleConfig, defaults: { hold: number; clearHold: number }): AlertRule {
  return {
    name: rule.name,
    ...(rule.description !== undefined ? { description: rule.description } : {}),
    severity: rule.severity,
    threshold: rule.threshold,
    ...(rule.clear_threshold !== undefined ? { clearThreshold: rule.clear_threshold } : {}),
    direction: rule.direction,
    holdSeconds: rule.hold ?? defaults.hold,
    clearHoldSeconds: rule.clear_hold ?? rule.hold ?? defaults.clearHold,
    select: (snapshot, previous) => {
      const now = matchingValues(snapshot, rule.metric, rule.labels);
      if (!rule.rate) return aggregate(rule.aggregate, [...now.values()]);
      if (!previous || snapshot.intervalMs <= 0) return undefined;
      const before = matchingValues(previous, rule.metric, rule.labels);
      const rates: number[] = [];
      for (const [key, value] of now) {
        const prior = before.get(key) ?? 0;
        rates.push(((value >= prior ? value - prior : value) * 1000) / snapshot.intervalMs);
      }
      return aggregate(rule.aggregate, rates);
    },
  };
}
