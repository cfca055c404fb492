import { describe, expect, it } from 'vitest';
import { Authorizer } from '../../../src/security/authorizer.js';
import { parsePermission } from '../../../src/security/permission.js';
import type { Principal } from '../../../src/security/principal.js';
import { TestClock } from '../../../src/kernel/clock.js';

const authorizer = new Authorizer(
  {
    roles: {
      tenant: {
        permissions: [
          'db:*:tenant_${principal.tenant}_*',
          'cache:*:user:${principal.id}:*',
          'fs:*:home/${principal.id}/**',
          'db:read:${principal.tenant}.*',
        ],
      },
      ops: { permissions: ['db:read:*', '!db:read:secret_*', '!cache:read:user:bob:*'] },
    },
  },
  new TestClock(0),
);
const p = (id: string, roles: string[], attributes: Record<string, string> = {}): Principal => ({
  id,
  roles,
  attributes,
});
const acme = p('alice', ['tenant'], { tenant: 'acme' });
const acmeCorp = p('carl', ['tenant'], { tenant: 'acme_corp' });
const dotted = p('a.b', ['tenant'], { tenant: 'acme.x' });
const ops = p('ops', ['ops']);
const allowed = (who: Principal, resource: string, action: string, scope: string): boolean =>
  authorizer.decide(who, { resource, action, scope }).allowed;

describe("templates: a value never extends into another principal's names", () => {
  it("tenant acme gets its tables, not acme_corp's", () => {
    expect(allowed(acme, 'db', 'read', 'tenant_acme_orders')).toBe(true);
    expect(allowed(acme, 'db', 'write', 'tenant_acme_orders')).toBe(true);
    expect(allowed(acme, 'db', 'read', 'tenant_acme_corp_orders')).toBe(false);
    expect(allowed(acme, 'db', 'write', 'tenant_acme_corp_orders')).toBe(false);
    expect(allowed(acme, 'db', 'read', 'acme.orders')).toBe(true);
    expect(allowed(acme, 'db', 'read', 'acme_corp.orders')).toBe(false);
  });
  it('a value holding a separator makes the template grant nothing', () => {
    expect(allowed(acmeCorp, 'db', 'read', 'tenant_acme_corp_orders')).toBe(false);
    expect(allowed(acmeCorp, 'db', 'read', 'tenant_acme_orders')).toBe(false);
    expect(allowed(dotted, 'db', 'read', 'acme.x.orders')).toBe(false);
    expect(allowed(dotted, 'cache', 'read', 'user:a.b:cart')).toBe(true); // `.` is no separator of cache keys
  });
  it('user:alice* never reaches user:alicebob:…', () => {
    expect(allowed(acme, 'cache', 'read', 'user:alice:cart')).toBe(true);
    expect(allowed(acme, 'cache', 'read', 'user:alicebob:cart')).toBe(false);
    expect(allowed(p('alice:bob', ['tenant']), 'cache', 'read', 'user:alice:bob:cart')).toBe(false);
  });
  it('a deny covers deeper names than the same grant would', () => {
    expect(allowed(ops, 'db', 'read', 'secret_x')).toBe(false);
    expect(allowed(ops, 'db', 'read', 'secret_x_y')).toBe(false);
    expect(allowed(ops, 'cache', 'read', 'user:bob:cart:items')).toBe(false);
    expect(allowed(ops, 'db', 'read', 'orders')).toBe(true);
  });
  it('a template not followed by a separator is refused when configured', () => {
    expect(() => parsePermission('db:*:tenant_${principal.tenant}*')).toThrow(/must end the scope or be followed by/);
    expect(() => parsePermission('cache:read:user:${principal.id}*')).toThrow(/must end the scope/);
    expect(() => parsePermission('fs:read:home/${principal.id}x/**')).toThrow(/must end the scope/);
    expect(parsePermission('db:read:orders_${principal.tenant}').scope).toBe('orders_${principal.tenant}');
  });
});
