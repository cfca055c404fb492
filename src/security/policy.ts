import type { TimeWindow } from './time-window.js';

/** An expected value in a condition: one value, or a list of which any may match. */
export type AttributeMatch = string | number | boolean | readonly (string | number | boolean)[];

/**
 * Conditions of a {@link Policy}; all given ones must hold.
 *
 * - `time`: the clock is inside the window (see {@link TimeWindow}).
 * - `principal`: each named principal attribute equals the expected value (or one of a list).
 *   `id` is the principal's id, `roles` holds when the principal has one of the listed roles; a
 *   list-valued attribute (`groups: [a, b]`) holds when one of its items matches.
 * - `request`: the same over the request's attributes (`source`, `owner`, ...). An expected
 *   string may be a template `${principal.id}` / `${principal.<attribute>}`: that is how
 *   ownership is written, `request: { owner: '${principal.id}' }`.
 *
 * A missing attribute never matches.
 */
export interface PolicyConditions {
  readonly time?: TimeWindow;
  readonly principal?: Readonly<Record<string, AttributeMatch>>;
  readonly request?: Readonly<Record<string, AttributeMatch>>;
}

/**
 * A conditional rule. It applies to a request when
 * 1. its subject matches: the principal's id is in `principals` (`*` for anyone) or it has one of
 *    `roles` (with neither, every principal);
 * 2. one of `permissions` matches the request (same syntax as role permissions, without `!`);
 * 3. every condition of `when` holds (if given), and not every condition of `unless` holds (if given).
 *
 * An applicable `deny` policy refuses the request whatever grants it (deny wins); an applicable
 * `allow` policy grants it unless something denies it.
 *
 * @example
 * ```yaml
 * - name: no-writes-outside-office-hours
 *   effect: deny
 *   permissions: ['db:write:*']
 *   unless: { time: { from: '08:00', to: '18:00', days: [mon, tue, wed, thu, fri], timezone: Europe/Paris } }
 * - name: owners-edit-their-documents
 *   effect: allow
 *   roles: [author]
 *   permissions: ['db:write:documents']
 *   when: { request: { owner: '${principal.id}' } }
 * ```
 */
export interface Policy {
  readonly name: string;
  readonly effect: 'allow' | 'deny';
  readonly permissions: readonly string[];
  readonly principals?: readonly string[];
  readonly roles?: readonly string[];
  readonly when?: PolicyConditions;
  readonly unless?: PolicyConditions;
  readonly description?: string;
}

/** A role: the permissions it grants (or, with `!`, denies), and the roles whose permissions it also has. */
export interface RoleDefinition {
  readonly permissions: readonly string[];
  readonly inherits?: readonly string[];
  readonly description?: string;
}
