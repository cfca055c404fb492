import { Gauge } from 'prom-client';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { Actor, SnapshotFrom } from 'xstate';
import { alertMachine } from '../../../machines/alert.machine.js';
import { startMachine } from '../../kernel/actor.js';
import type { RuntimeContext } from '../../kernel/context.js';
import type { MetricsSnapshot } from '../metrics/metrics-snapshot.js';
import type { AlertRule } from './alert-rule.js';
import { UnknownAlertRuleError } from '../../errors/unknown-alert-rule-error.js';
import type { AlertControls, AlertMatcher } from './alert-controls.js';
import {
  alertFlagsOf,
  alertStatusOf,
  type AlertState,
  type AlertStatus,
  type AlertTransition,
} from './alert-transition.js';
import { DEFAULT_NOTIFY_ON, type AlertNotifier } from './notifiers/alert-notifier.js';

interface Entry {
  readonly rule: AlertRule;
  readonly actor: Actor<typeof alertMachine>;
  status: AlertStatus;
  since: number;
  value: number | null;
  acknowledged: boolean;
  acknowledgedBy: string | undefined;
  silenced: boolean;
  silencedUntil: number | undefined;
  /** The last transition kept from the notifiers by a silence. */
  suppressed: AlertTransition | undefined;
}

const STATE_CODE: Record<AlertStatus, number> = { ok: 0, pending: 1, firing: 2, resolved: 0 };

/**
 * Runs one alert machine per rule, feeds each metrics snapshot to all of them, publishes every
 * transition on {@link AlertManager.alerts$} and hands it to the notifiers (the log, webhooks,
 * callbacks). The machines' own events reach the event log as `alert.<rule>`.
 *
 * Exposes `stator_alert_state{alert}` (0 ok or resolved, 1 pending, 2 firing) on the registry.
 */
export class AlertManager implements AlertControls {
  private readonly entries: Entry[] = [];
  private readonly subject = new Subject<AlertTransition>();
  private readonly stopping = new AbortController();
  private readonly deliveries = new Set<Promise<void>>();
  private previous: MetricsSnapshot | undefined;
  private subscription: Subscription | undefined;

  /** Every alert transition, in order. Hot: subscribers see transitions after they subscribe. */
  public readonly alerts$: Observable<AlertTransition> = this.subject.asObservable();
  private readonly changes = new Subject<void>();
  /** Any change of an alert's state, acknowledgement or silence (for status refreshes). */
  public readonly changes$: Observable<void> = this.changes.asObservable();

  public constructor(
    private readonly ctx: RuntimeContext,
    rules: readonly AlertRule[],
    private readonly notifiers: readonly AlertNotifier[] = [],
  ) {
    const names = new Set<string>();
    for (const rule of rules) {
      if (names.has(rule.name))
        throw new TypeError(`two alert rules are named "${rule.name}"; give each rule its own name`);
      names.add(rule.name);
    }
    for (const rule of rules) this.entries.push(this.startRule(rule));
    this.registerGauge();
  }

  /** Evaluates the rules on every snapshot of `metrics$` until {@link stop}. */
  public watch(metrics$: Observable<MetricsSnapshot>): void {
    this.subscription?.unsubscribe();
    this.subscription = metrics$.subscribe((m) => this.evaluate(m));
  }

  /** Feeds one snapshot to every rule. A rule whose `select` throws is logged and skipped. */
  public evaluate(snapshot: MetricsSnapshot): void {
    const previous = this.previous;
    this.previous = snapshot;
    for (const entry of this.entries) {
      let value: number | undefined;
      try {
        value = entry.rule.select(snapshot, previous);
      } catch (error) {
        this.ctx.logger.warn(`alert rule ${entry.rule.name} could not read its signal`, { error });
        continue;
      }
      if (value === undefined || !Number.isFinite(value)) continue;
      entry.actor.send({ type: 'SAMPLE', value });
    }
  }

  /** Every rule's current state. */
  public states(): AlertState[] {
    return this.entries.map((e) => this.stateOf(e));
  }

  public acknowledge(rule: string, by?: string): boolean {
    const entry = this.entry(rule);
    if (entry.status !== 'firing' || entry.acknowledged) return false;
    entry.actor.send({ type: 'ACKNOWLEDGE', ...(by !== undefined ? { by } : {}) });
    this.ctx.logger.info(`alert ${rule} acknowledged${by !== undefined ? ` by ${by}` : ''}`, { alert: rule });
    return true;
  }

  public clear(rule: string): boolean {
    const entry = this.entry(rule);
    if (entry.status !== 'firing' && entry.status !== 'pending') return false;
    this.ctx.logger.info(`alert ${rule} cleared by hand (was ${entry.status})`, { alert: rule });
    entry.actor.send({ type: 'CLEAR' });
    return true;
  }

  public silence(target: string | AlertMatcher, seconds: number): string[] {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new RangeError(
        `silence needs a number of seconds greater than 0, got ${String(seconds)}; use unsilence() to end a silence`,
      );
    }
    const durationMs = Math.round(seconds * 1000);
    const matched = this.matching(target);
    for (const e of matched) {
      e.silencedUntil = this.ctx.clock.now() + durationMs;
      e.actor.send({ type: 'SILENCE', durationMs });
    }
    const rules = matched.map((e) => e.rule.name);
    if (rules.length) this.ctx.logger.info(`alerts silenced for ${seconds} s: ${rules.join(', ')}`, { alerts: rules });
    return rules;
  }

  public unsilence(target: string | AlertMatcher): string[] {
    const matched = this.matching(target).filter((e) => e.silenced);
    for (const e of matched) e.actor.send({ type: 'UNSILENCE' });
    return matched.map((e) => e.rule.name);
  }

  private entry(rule: string): Entry {
    const found = this.entries.find((e) => e.rule.name === rule);
    if (!found)
      throw new UnknownAlertRuleError(
        rule,
        this.entries.map((e) => e.rule.name),
      );
    return found;
  }

  private matching(target: string | AlertMatcher): Entry[] {
    if (typeof target === 'string') return [this.entry(target)];
    if (typeof target === 'function') return this.entries.filter((e) => target(this.stateOf(e)));
    const { rule, severity } = target;
    return this.entries.filter(
      (e) =>
        (rule === undefined || (typeof rule === 'string' ? e.rule.name === rule : rule.test(e.rule.name))) &&
        (severity === undefined || (e.rule.severity ?? 'warning') === severity),
    );
  }

  private stateOf(e: Entry): AlertState {
    return {
      rule: e.rule.name,
      status: e.status,
      since: e.since,
      value: e.value,
      threshold: e.rule.threshold,
      severity: e.rule.severity ?? 'warning',
      ...(e.rule.description !== undefined ? { description: e.rule.description } : {}),
      ...(e.acknowledged
        ? { acknowledged: true, ...(e.acknowledgedBy !== undefined ? { acknowledgedBy: e.acknowledgedBy } : {}) }
        : {}),
      ...(e.silenced && e.silencedUntil !== undefined ? { silencedUntil: e.silencedUntil } : {}),
    };
  }

  /** The alerts that are pending or firing. */
  public open(): AlertState[] {
    return this.states().filter((s) => s.status === 'pending' || s.status === 'firing');
  }

  /**
   * Stops the machines and completes {@link alerts$}; deliveries still running get `graceMs` to
   * finish, then are aborted.
   */
  public async stop(graceMs = 0): Promise<void> {
    this.subscription?.unsubscribe();
    for (const e of this.entries) e.actor.stop();
    if (this.deliveries.size && graceMs > 0) {
      let timer: unknown;
      const grace = new Promise<void>((resolve) => {
        timer = this.ctx.clock.setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.allSettled([...this.deliveries]), grace]);
      this.ctx.clock.clearTimeout(timer);
    }
    this.stopping.abort(new Error('Stator is stopping'));
    await Promise.allSettled([...this.deliveries]);
    this.subject.complete();
    this.changes.complete();
  }

  private startRule(rule: AlertRule): Entry {
    const actor = startMachine(this.ctx, alertMachine, {
      source: `alert.${rule.name}`,
      input: {
        rule: rule.name,
        threshold: rule.threshold,
        ...(rule.clearThreshold !== undefined ? { clearThreshold: rule.clearThreshold } : {}),
        direction: rule.direction ?? 'above',
        holdMs: rule.holdSeconds * 1000,
        clearHoldMs: (rule.clearHoldSeconds ?? rule.holdSeconds) * 1000,
      },
    });
    const entry: Entry = {
      rule,
      actor,
      status: 'ok',
      since: this.ctx.clock.now(),
      value: null,
      acknowledged: false,
      acknowledgedBy: undefined,
      silenced: false,
      silencedUntil: undefined,
      suppressed: undefined,
    };
    actor.subscribe((snapshot) => this.onSnapshot(entry, snapshot));
    return entry;
  }

  /** An alert machine's new snapshot: its flags kept on `entry`, a status change announced and notified. */
  private onSnapshot(entry: Entry, snapshot: SnapshotFrom<typeof alertMachine>): void {
    entry.value = snapshot.context.value;
    const flags = alertFlagsOf(snapshot.value);
    const silenceEnded = entry.silenced && !flags.silenced;
    const flagsChanged = flags.acknowledged !== entry.acknowledged || flags.silenced !== entry.silenced;
    entry.acknowledged = flags.acknowledged;
    entry.acknowledgedBy = snapshot.context.acknowledgedBy;
    entry.silenced = flags.silenced;
    if (!flags.silenced) entry.silencedUntil = undefined;
    const to = alertStatusOf(snapshot.value);
    if (to === entry.status) {
      if (silenceEnded) this.deliverSuppressed(entry);
      if (flagsChanged) this.changes.next();
      return;
    }
    const transition: AlertTransition = {
      rule: entry.rule.name,
      from: entry.status,
      to,
      value: entry.value,
      threshold: entry.rule.threshold,
      severity: entry.rule.severity ?? 'warning',
      time: this.ctx.clock.now(),
      ...(entry.rule.description !== undefined ? { description: entry.rule.description } : {}),
      ...(flags.silenced ? { silenced: true } : {}),
    };
    entry.status = to;
    entry.since = transition.time;
    this.subject.next(transition);
    this.changes.next();
    if (flags.silenced) {
      entry.suppressed = transition;
      return;
    }
    entry.suppressed = undefined;
    this.notify(transition);
  }

  /** A silence ended: an alert still pending or firing is notified once of what was kept back. */
  private deliverSuppressed(entry: Entry): void {
    const kept = entry.suppressed;
    entry.suppressed = undefined;
    if (!kept || kept.to !== entry.status || (entry.status !== 'firing' && entry.status !== 'pending')) return;
    const { silenced: _silenced, ...transition } = kept;
    this.notify(transition);
  }

  private notify(transition: AlertTransition): void {
    for (const notifier of this.notifiers) {
      if (!(notifier.on ?? DEFAULT_NOTIFY_ON).includes(transition.to)) continue;
      const delivery = Promise.resolve()
        .then(() => notifier.notify(transition, this.stopping.signal))
        .catch((error: unknown) => {
          this.ctx.logger.warn(`alert notifier ${notifier.name} failed for ${transition.rule} -> ${transition.to}`, {
            error,
          });
        })
        .finally(() => this.deliveries.delete(delivery));
      this.deliveries.add(delivery);
    }
  }

  private registerGauge(): void {
    const name = 'stator_alert_state';
    if (this.ctx.metrics.getSingleMetric(name)) this.ctx.metrics.removeSingleMetric(name);
    const entries = this.entries;
    new Gauge({
      name,
      help: 'State of each alert: 0 ok or resolved, 1 pending, 2 firing.',
      labelNames: ['alert'],
      registers: [this.ctx.metrics],
      collect() {
        for (const e of entries) this.set({ alert: e.rule.name }, STATE_CODE[e.status]);
      },
    });
  }
}
