import { compileScopeGlob, escapeGlob, isUniversalScope } from './scope-glob.js';
import type { Principal } from './principal.js';
import { PRINCIPAL_TEMPLATE, separatorsOf, type PermissionPattern } from '../config/sections/policy-syntax.js';

export { parsePermission, type PermissionPattern } from '../config/sections/policy-syntax.js';

/** A permission ready to match requests for one principal (templates filled in). */
export interface CompiledRule {
  readonly effect: 'allow' | 'deny';
  readonly resource: string;
  readonly action: string;
  /** Undefined when the scope matches every scope. */
  readonly scope: RegExp | undefined;
  /** Where it came from, for reasons: `role editor (db:write:*)`, `policy night-freeze`. */
  readonly origin: string;
}

/**
 * Fills templates with the principal's values and compiles the scope glob. Returns undefined when
 * a template refers to an attribute the principal lacks (the rule then applies to nothing).
 */
export function compileRule(
  pattern: PermissionPattern,
  principal: Principal,
  origin: string,
): CompiledRule | undefined {
  let missing = false;
  const seps = separatorsOf(pattern.resource);
  const scope = pattern.scope.replace(PRINCIPAL_TEMPLATE, (_m, name: string) => {
    const value = name === 'id' ? principal.id : principal.attributes[name];
    const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    if (text === '' || [...seps].some((c) => text.includes(c))) {
      missing = true;
      return '';
    }
    return escapeGlob(text);
  });
  if (missing) return undefined;
  return {
    effect: pattern.effect,
    resource: pattern.resource,
    action: pattern.action,
    // A deny reaches further, never less far: its `*` crosses separators as `**` does.
    scope: isUniversalScope(scope) ? undefined : compileScopeGlob(scope, pattern.effect === 'deny' ? '' : seps),
    origin,
  };
}
