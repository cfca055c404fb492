/**
 * How a pool opens, checks and closes its connections. The pool never touches a connection
 * otherwise: it is generic over `C`.
 *
 * @example
 * ```ts
 * const factory: ConnectionFactory<pg.Client> = {
 *   create: async () => { const c = new pg.Client(settings); await c.connect(); return c; },
 *   destroy: (c) => c.end(),
 *   validate: async (c) => (await c.query('SELECT 1')).rowCount === 1,
 * };
 * ```
 */
export interface ConnectionFactory<C> {
  /**
   * Opens a connection. `signal` aborts when the pool gives up on it (create timeout, close);
   * a factory that cannot abort may ignore it, and the pool closes whatever arrives too late.
   */
  create(signal: AbortSignal): Promise<C>;
  /** Closes a connection. Errors are logged, never thrown to a caller. */
  destroy(connection: C): Promise<void> | void;
  /**
   * Whether an idle connection still works. Called every `validation_interval` on idle
   * connections and before lending one that sat idle at least that long. Default: always valid.
   * A throw counts as invalid.
   */
  validate?(connection: C): Promise<boolean> | boolean;
  /**
   * A cheap synchronous check, made on every release and borrow, for a connection the driver
   * already knows is broken (knex sets `__knex__disposed`). True retires it.
   */
  isBroken?(connection: C): boolean;
}
