import { assign, setup } from 'xstate';

/**
 * Why a connection is retired. `idle_timeout`, `max_lifetime`, `invalid` (a validation said no),
 * `broken` (the driver marked it, e.g. knex's `__knex__disposed`), `error` (an 'error' event on the
 * connection), `drain` (the pool is closing), `purge` (the pool replaces every connection:
 * `pool.purge()`), `min_shrink` or any owner-specific reason.
 */
export type ConnectionRetireReason =
  'idle_timeout' | 'max_lifetime' | 'invalid' | 'broken' | 'error' | 'drain' | 'purge' | (string & {});

/**
 * Every event the connection machine accepts. Two owners drive it:
 *
 * **A pool that opens and closes connections itself** (Stator's pool, `src/pool/`):
 * - `CREATED` — the connection is open (`creating` → `idle`).
 * - `CREATE_FAILED` `{ error }` — opening it failed (`creating` → `failed`).
 * - `VALIDATE` — a validation starts (`idle` → `validating`); `VALID` back to `idle`,
 *   `INVALID` `{ reason? }` to `retiring`.
 * - `LEAK_SUSPECTED` `{ heldMs }` / `LEAK_RETURNED` `{ heldMs }` — a lease outlived the leak
 *   threshold / finally came back. Recorded in context; the state does not change.
 * - `RETIRE` `{ reason }` — close it on purpose (idle timeout, max lifetime, broken, drain) from
 *   any open state → `retiring`.
 * - `ERROR` `{ error }` — the connection reported an error (a server terminated it) → `retiring`;
 *   while `retiring` (a lent connection that failed and has now come back), recorded.
 * - `CLOSED` — the close finished (`retiring` → `closed`).
 *
 * Borrowing is not an event: the pool keeps lent/idle as a plain flag on its connection record,
 * so a borrow costs no machine event and a lent connection is `idle` here (the pool's `busy`
 * gauge counts the flag). A lent connection that fails hears `ERROR` at once (→ `retiring`) and
 * is closed when its lease comes back.
 *
 * **A driver that reconnects by itself** (ioredis, memjs nodes in `src/cache/`):
 * - `DRIVER.READY` — connected (`creating` / `reconnecting` → `idle`).
 * - `DRIVER.RECONNECTING` — the driver lost the link and is reconnecting → `reconnecting`
 *   (counted in `context.reconnects`).
 * - `DRIVER.CLOSED` — the link closed; the driver may reconnect → `reconnecting`.
 * - `DRIVER.END` — the driver gave up for good: → `closed` after a `RETIRE` (the owner sends the
 *   two together when it drops a node), `failed` otherwise.
 * - `DRIVER.ERROR` `{ error }` — an error the driver reported; recorded, the state does not
 *   change (the driver follows up with `DRIVER.CLOSED` / `DRIVER.RECONNECTING` if the link dropped).
 * - `DRIVER.TIMEOUT` `{ error }` — the link is up but the server stopped answering (a call got no
 *   answer within the owner's timeout: a frozen or overloaded server) → `unresponsive`, until
 *   `DRIVER.READY` (it answered again) or the link drops.
 *
 * `closed` and `failed` are final: one machine per connection; a replacement is a new actor.
 * The machine has no timers of its own: the owner schedules idle timeout, max lifetime,
 * validation interval and leak threshold on `ctx.clock` and sends the events above.
 */
export type ConnectionEvent =
  | { type: 'CREATED' }
  | { type: 'CREATE_FAILED'; error: string }
  | { type: 'VALIDATE' }
  | { type: 'VALID' }
  | { type: 'INVALID'; reason?: string }
  | { type: 'LEAK_SUSPECTED'; heldMs: number }
  | { type: 'LEAK_RETURNED'; heldMs: number }
  | { type: 'RETIRE'; reason: ConnectionRetireReason }
  | { type: 'ERROR'; error: string }
  | { type: 'CLOSED' }
  | { type: 'DRIVER.READY' }
  | { type: 'DRIVER.RECONNECTING' }
  | { type: 'DRIVER.CLOSED' }
  | { type: 'DRIVER.END' }
  | { type: 'DRIVER.ERROR'; error: string }
  | { type: 'DRIVER.TIMEOUT'; error: string };

/** What the machine remembers about its connection. Kept small: a pool may run thousands. */
export interface ConnectionContext {
  /** `conn-<n>` (pool) or the node address (cache driver). */
  readonly id: string;
  /** Message of the last error seen (already scrubbed by the sender). */
  lastError?: string;
  /** Why it was retired, once it is. */
  retireReason?: ConnectionRetireReason;
  /** Times the driver reported reconnecting. */
  reconnects: number;
  /** Leases reported as possible leaks. */
  leaks: number;
}

/** Input of the connection machine. */
export interface ConnectionInput {
  readonly id: string;
}

/**
 * The lifecycle of one connection: `creating`, `idle`, `validating`, `reconnecting`,
 * `unresponsive`, `retiring`, and the final `closed` / `failed`. See {@link ConnectionEvent} for every event and
 * who sends it. Pure: no I/O, no timers, no imports from `src/`.
 *
 * @example
 * ```ts
 * const conn = startMachine(ctx, connectionMachine, { source: 'pool.database/conn-1', input: { id: 'conn-1' } });
 * conn.send({ type: 'CREATED' });
 * conn.send({ type: 'RETIRE', reason: 'idle_timeout' });
 * conn.send({ type: 'CLOSED' });
 * ```
 */
export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
  },
  actions: {
    recordError: assign({
      lastError: ({ event }) => ('error' in event ? event.error : undefined),
    }),
    recordRetireReason: assign({
      retireReason: ({ event }) =>
        event.type === 'RETIRE'
          ? event.reason
          : event.type === 'INVALID'
            ? 'invalid'
            : event.type === 'ERROR'
              ? 'error'
              : 'unknown',
    }),
    countReconnect: assign({ reconnects: ({ context }) => context.reconnects + 1 }),
    countLeak: assign({ leaks: ({ context }) => context.leaks + 1 }),
  },
}).createMachine({
  id: 'connection',
  context: ({ input }) => ({ id: input.id, reconnects: 0, leaks: 0 }),
  initial: 'creating',
  states: {
    creating: {
      on: {
        CREATED: 'idle',
        'DRIVER.READY': 'idle',
        CREATE_FAILED: { target: 'failed', actions: 'recordError' },
        'DRIVER.ERROR': { actions: 'recordError' },
        'DRIVER.RECONNECTING': { target: 'reconnecting', actions: 'countReconnect' },
        'DRIVER.CLOSED': 'reconnecting',
        'DRIVER.END': 'failed',
        RETIRE: { target: 'retiring', actions: 'recordRetireReason' },
      },
    },
    idle: {
      on: {
        VALIDATE: 'validating',
        RETIRE: { target: 'retiring', actions: 'recordRetireReason' },
        ERROR: { target: 'retiring', actions: ['recordError', 'recordRetireReason'] },
        LEAK_SUSPECTED: { actions: 'countLeak' },
        LEAK_RETURNED: {},
        'DRIVER.ERROR': { actions: 'recordError' },
        'DRIVER.TIMEOUT': { target: 'unresponsive', actions: 'recordError' },
        'DRIVER.RECONNECTING': { target: 'reconnecting', actions: 'countReconnect' },
        'DRIVER.CLOSED': 'reconnecting',
        'DRIVER.END': 'failed',
      },
    },
    validating: {
      on: {
        VALID: 'idle',
        INVALID: { target: 'retiring', actions: 'recordRetireReason' },
        RETIRE: { target: 'retiring', actions: 'recordRetireReason' },
        ERROR: { target: 'retiring', actions: ['recordError', 'recordRetireReason'] },
      },
    },
    reconnecting: {
      on: {
        'DRIVER.READY': 'idle',
        'DRIVER.RECONNECTING': { actions: 'countReconnect' },
        'DRIVER.CLOSED': {},
        'DRIVER.ERROR': { actions: 'recordError' },
        'DRIVER.END': 'failed',
        RETIRE: { target: 'retiring', actions: 'recordRetireReason' },
      },
    },
    unresponsive: {
      on: {
        'DRIVER.READY': 'idle',
        'DRIVER.TIMEOUT': { actions: 'recordError' },
        'DRIVER.ERROR': { actions: 'recordError' },
        'DRIVER.RECONNECTING': { target: 'reconnecting', actions: 'countReconnect' },
        'DRIVER.CLOSED': 'reconnecting',
        'DRIVER.END': 'failed',
        RETIRE: { target: 'retiring', actions: 'recordRetireReason' },
      },
    },
    retiring: {
      on: {
        CLOSED: 'closed',
        'DRIVER.END': 'closed',
        ERROR: { actions: 'recordError' },
        LEAK_SUSPECTED: { actions: 'countLeak' },
        LEAK_RETURNED: {},
      },
    },
    closed: { type: 'final' },
    failed: { type: 'final' },
  },
});
