/** The outcome of `Authorizer.decide`. */
export interface Decision {
  readonly allowed: boolean;
  /** The permission the request needed, `resource:action:scope`. */
  readonly permission: string;
  /** `granted by role editor (db:write:*)`, `denied by policy night-freeze`, `no role or policy grants it`. */
  readonly reason: string;
}
