import { inTimeWindow } from './time-window.js';
import type { AttributeMatch, PolicyConditions } from './policy.js';
import type { AttributeValue, Principal } from './principal.js';

const TEMPLATE = /^\$\{principal\.([A-Za-z0-9_-]+)\}$/;

function principalValue(principal: Principal, name: string): AttributeValue | undefined {
  if (name === 'id') return principal.id;
  if (name === 'roles') return principal.roles;
  return principal.attributes[name];
}

function expected(value: string | number | boolean, principal: Principal): string | number | boolean | undefined {
  if (typeof value !== 'string') return value;
  const m = TEMPLATE.exec(value);
  if (!m) return value;
  const v = principalValue(principal, m[1] as string);
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

function matches(actual: AttributeValue | undefined, want: AttributeMatch, principal: Principal): boolean {
  if (actual === undefined) return false;
  const wants = (Array.isArray(want) ? want : [want]) as readonly (string | number | boolean)[];
  const actuals = (Array.isArray(actual) ? actual : [actual]) as readonly (string | number | boolean)[];
  return wants.some((w) => {
    const e = expected(w, principal);
    return e !== undefined && actuals.some((a) => a === e);
  });
}

/** True when every condition given in `conditions` holds for this principal and request at `now`. */
export function conditionsHold(
  conditions: PolicyConditions,
  principal: Principal,
  request: Readonly<Record<string, AttributeValue>> | undefined,
  now: number,
): boolean {
  if (conditions.time && !inTimeWindow(conditions.time, now)) return false;
  for (const [name, want] of Object.entries(conditions.principal ?? {})) {
    if (!matches(principalValue(principal, name), want, principal)) return false;
  }
  for (const [name, want] of Object.entries(conditions.request ?? {})) {
    if (!matches(request?.[name], want, principal)) return false;
  }
  return true;
}
