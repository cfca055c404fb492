import { Counter, type Registry } from 'prom-client';

/** Plain counts of what security decided; exposed to prom-client on scrape, not per call. */
export interface SecurityCounts {
  allow: number;
  deny: number;
  login_success: number;
  login_failure: number;
  login_rate_limited: number;
  token_invalid: number;
  audit_entries: number;
  audit_failures: number;
}

/**
 * Registers `stator_security_decisions_total{decision}`, `stator_security_logins_total{result}`,
 * `stator_security_tokens_refused_total`, `stator_security_audit_entries_total` and
 * `stator_security_audit_write_failures_total` on `registry`, reading `counts` at scrape time.
 * Labels are fixed words: never a principal, key, path or token.
 */
export function registerSecurityMetrics(registry: Registry, counts: SecurityCounts): void {
  const counter = (name: string, help: string, labelNames: string[], read: (c: Counter<string>) => void): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        read(this);
      },
    });
  };
  counter('stator_security_decisions_total', 'Guarded accesses decided, by decision.', ['decision'], (c) => {
    c.inc({ decision: 'allow' }, counts.allow);
    c.inc({ decision: 'deny' }, counts.deny);
  });
  counter('stator_security_logins_total', 'Login attempts, by result.', ['result'], (c) => {
    c.inc({ result: 'success' }, counts.login_success);
    c.inc({ result: 'failure' }, counts.login_failure);
    c.inc({ result: 'rate_limited' }, counts.login_rate_limited);
  });
  counter('stator_security_tokens_refused_total', 'Tokens refused on use.', [], (c) => c.inc(counts.token_invalid));
  counter('stator_security_audit_entries_total', 'Audit entries written.', [], (c) => c.inc(counts.audit_entries));
  counter('stator_security_audit_write_failures_total', 'Audit writes that failed (accesses denied).', [], (c) =>
    c.inc(counts.audit_failures),
  );
}
