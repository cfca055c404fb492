/** One thing that keeps a Stator from being ready. */
export interface ReadinessBlocker {
  /** The resource (or `supervisor`, `shutdown`). */
  readonly resource: string;
  /** What it is doing (`initializing`, `recovering`, `failed`, `draining`, ...). */
  readonly state: string;
  /** Its last error or reason, secrets removed. */
  readonly detail?: string;
  /** Required resources it waits for, when it waits. */
  readonly waitingFor?: readonly string[];
}

/**
 * Whether the service may take traffic (`/ready`). Not ready while starting, while shutting
 * down, or while a required resource is not up; `reason` says which and what it is doing.
 */
export interface ReadinessView {
  readonly ready: boolean;
  /** Why not ready, in words (`cache is recovering: connect ECONNREFUSED 127.0.0.1:6401`). */
  readonly reason?: string;
  readonly blockers?: readonly ReadinessBlocker[];
}

/** The part of a status snapshot readiness is decided from. */
export interface ReadinessInput {
  /** The supervisor's phase (`idle`, `starting`, `running`, `stopping`, `stopped`, `failed`). */
  readonly supervisor: string;
  readonly failure?: { readonly reason: string; readonly resources: readonly string[] };
  readonly resources: Readonly<
    Record<
      string,
      {
        readonly state: string;
        readonly optional: boolean;
        readonly dependsOn: readonly string[];
        readonly lastError?: { readonly message: string; readonly code?: string };
        readonly reason?: string;
      }
    >
  >;
}

/** States in which a resource serves. `degraded` serves, partly: it does not fail readiness. */
const SERVING = new Set(['ready', 'degraded']);

/**
 * Decides readiness from a status snapshot, and when not ready, says why: the required
 * resources that are not up, what each is doing and its last error, and which ones only wait
 * for another (root causes first). Optional resources never block. `shuttingDown` (set by the
 * graceful shutdown before anything stops) fails readiness first of all.
 */
export function readinessOf(status: ReadinessInput, shuttingDown = false): ReadinessView {
  if (shuttingDown) {
    return notReady([{ resource: 'shutdown', state: 'draining' }], 'shutting down: draining in-flight work');
  }
  if (status.supervisor === 'stopping' || status.supervisor === 'stopped') {
    return notReady([{ resource: 'supervisor', state: status.supervisor }], `Stator is ${status.supervisor}`);
  }
  if (status.supervisor === 'idle')
    return notReady([{ resource: 'supervisor', state: 'idle' }], 'Stator has not been started');

  const blockers: ReadinessBlocker[] = [];
  for (const [name, r] of Object.entries(status.resources)) {
    if (r.optional || SERVING.has(r.state)) continue;
    const waitingFor = r.dependsOn.filter((d) => {
      const dep = status.resources[d];
      return dep && !dep.optional && !SERVING.has(dep.state);
    });
    const detail = r.lastError
      ? `${r.lastError.code ? `${r.lastError.code} ` : ''}${r.lastError.message}`.trim()
      : r.reason;
    blockers.push({
      resource: name,
      state: r.state,
      ...(detail && !(waitingFor.length && r.state === 'idle') ? { detail } : {}),
      ...(waitingFor.length ? { waitingFor } : {}),
    });
  }
  // Root causes first: a resource that waits for another is a consequence.
  blockers.sort((a, b) => (a.waitingFor?.length ?? 0) - (b.waitingFor?.length ?? 0));

  if (status.supervisor === 'failed') {
    const which = status.failure?.resources.join(', ');
    const why = status.failure?.reason === 'restart_intensity' ? 'restarted too often' : 'could not start';
    return notReady(
      blockers.length ? blockers : [{ resource: 'supervisor', state: 'failed' }],
      `failed: ${which || 'a required resource'} ${why}${describe(blockers, '; ')}`,
    );
  }
  if (status.supervisor === 'starting') return notReady(blockers, `starting${describe(blockers, ': ')}`);
  if (blockers.length) return notReady(blockers, describe(blockers, ''));
  return { ready: true };
}

function notReady(blockers: readonly ReadinessBlocker[], reason: string): ReadinessView {
  return { ready: false, reason, blockers };
}

/** `cache is recovering: ECONNREFUSED connect ...; database waits for cache`. */
function describe(blockers: readonly ReadinessBlocker[], lead: string): string {
  if (!blockers.length) return '';
  const parts = blockers.map((b) =>
    b.waitingFor?.length && b.state === 'idle'
      ? `${b.resource} waits for ${b.waitingFor.join(', ')}`
      : `${b.resource} is ${b.state}${b.detail ? `: ${b.detail}` : ''}`,
  );
  return lead + parts.join('; ');
}
