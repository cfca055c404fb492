import type { Subscription } from 'rxjs';
import type { Stator } from '../../../../src/runtime/stator.js';

/**
 * What the database resource, its breaker and its pool report after a fault case recovered:
 * every machine event of theirs (not the per-connection or per-transaction ones, not the health
 * check's timer) and every status that is not `up`, with the resource's state and last error.
 * A fault case prints it when the runtime relapses after recovering, so a relapse seen once in
 * CI says what caused it.
 */
export class RelapseTrail {
  private readonly started = Date.now();
  private readonly lines: string[] = [];
  private readonly subs: Subscription[];
  /** Whether a status other than `up` was published since the trail started. */
  public relapsed = false;

  public constructor(stator: Stator) {
    this.subs = [
      stator.events$.subscribe((e) => {
        if (!/database/.test(e.source) || /\/conn-|transaction/.test(e.source)) return;
        if (e.type.includes('healthInterval') || e.type.startsWith('xstate.done')) return;
        const data = e.data ? ` ${JSON.stringify(e.data).slice(0, 300)}` : '';
        this.add(`${e.source} ${e.type} → ${JSON.stringify(e.state)}${data}`);
      }),
      stator.status$.subscribe((s) => {
        if (s.status === 'up') return;
        this.relapsed = true;
        const db = s.resources['database'];
        this.add(`status ${s.status}: database ${db?.state} (${JSON.stringify(db?.lastError ?? db?.reason ?? {})})`);
      }),
    ];
  }

  public print(): string {
    return this.lines.map((l) => `  ${l}`).join('\n');
  }

  public stop(): void {
    for (const s of this.subs) s.unsubscribe();
  }

  private add(line: string): void {
    if (this.lines.length < 200) this.lines.push(`+${Date.now() - this.started} ms ${line}`);
  }
}
