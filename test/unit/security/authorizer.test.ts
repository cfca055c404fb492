import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../src/kernel/clock.js';
import { ALL_SCOPES, type AccessRequest } from '../../../src/security/access-request.js';
import { Authorizer, type AuthorizationRules } from '../../../src/security/authorizer.js';
import type { Principal } from '../../../src/security/principal.js';

const rules: AuthorizationRules = {
  roles: {
    reader: { permissions: ['cache:read:*', 'db:read:*', 'fs:read:*'] },
    editor: { inherits: ['reader'], permissions: ['db:write:orders', 'cache:write:session:*', 'fs:write:uploads/**'] },
    tenant: {
      permissions: [
        'fs:*:home/${principal.id}/**',
        'cache:*:user:${principal.id}:*',
        'db:*:tenant_${principal.tenant}_*',
      ],
    },
    auditor: { permissions: ['*:read:*', '!db:read:secrets', '!fs:read:private/**'] },
    admin: { permissions: ['*:*:*'] },
    author: { permissions: ['db:read:documents'] },
    dba: { permissions: ['db:raw:*'] },
  },
  policies: [
    {
      name: 'night-freeze',
      effect: 'deny',
      permissions: ['db:write:*'],
      unless: { time: { from: '06:00', to: '22:00' } },
    },
    { name: 'ops-reports', effect: 'allow', permissions: ['db:write:reports'], when: { principal: { team: 'ops' } } },
    { name: 'audit-log-is-sacred', effect: 'deny', permissions: ['fs:write:logs/**'] },
    {
      name: 'owners-edit',
      effect: 'allow',
      roles: ['author'],
      permissions: ['db:write:documents'],
      when: { request: { owner: '${principal.id}' } },
    },
    {
      name: 'office-shared',
      effect: 'allow',
      permissions: ['fs:write:shared/**'],
      when: {
        time: { from: '09:00', to: '17:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'], timezone: 'Europe/Paris' },
      },
    },
    {
      name: 'blocked-source',
      effect: 'deny',
      principals: ['*'],
      permissions: ['*:*:*'],
      when: { request: { source: ['10.6.6.6', '10.6.6.7'] } },
    },
    {
      name: 'contractors-read-only',
      effect: 'deny',
      permissions: ['cache:write:*', 'db:write:*'],
      when: { principal: { employment: 'contractor' } },
    },
    { name: 'bob-no-fs', effect: 'deny', principals: ['bob'], permissions: ['fs:*:*'] },
  ],
};

const p = (
  id: string,
  roles: string[],
  attributes: Principal['attributes'] = {},
  permissions?: string[],
): Principal => ({
  id,
  roles,
  attributes,
  ...(permissions ? { permissions } : {}),
});
const principals: Record<string, Principal> = {
  alice: p('alice', ['editor'], { team: 'dev' }),
  bob: p('bob', ['editor'], { team: 'ops' }),
  carol: p('carol', ['auditor']),
  root: p('root', ['admin']),
  dave: p('dave', ['tenant'], { tenant: 'acme' }),
  eve: p('eve', ['tenant']), // no tenant attribute: tenant table template grants nothing
  erin: p('erin', ['author']),
  nobody: p('nobody', []),
  frank: p('frank', ['reader'], { employment: 'contractor' }, ['cache:write:scratch:*']),
  gina: p('gina', ['reader'], {}, ['cache:write:scratch:*']),
  ghost: p('ghost', ['no-such-role']),
  ops: p('ops', ['reader'], { team: ['dev', 'ops'] }),
  dbadmin: p('dbadmin', ['dba', 'reader']),
};

// Wednesday 2025-01-15. Paris is UTC+1 in January.
const NOON = Date.UTC(2025, 0, 15, 12, 0);
const NIGHT = Date.UTC(2025, 0, 15, 23, 30);
const EARLY = Date.UTC(2025, 0, 15, 5, 59);
const PARIS_0830 = Date.UTC(2025, 0, 15, 7, 30);
const PARIS_1659 = Date.UTC(2025, 0, 15, 15, 59);
const PARIS_1700 = Date.UTC(2025, 0, 15, 16, 0);
const SATURDAY_NOON = Date.UTC(2025, 0, 18, 12, 0);

type Case = [
  who: string,
  permission: string,
  expected: 'allow' | 'deny',
  reason: string,
  at?: number,
  attributes?: Record<string, string>,
];

const cases: Case[] = [
  // plain role grants and inheritance
  ['alice', 'db:read:orders', 'allow', 'role reader (db:read:*)'],
  ['alice', 'db:write:orders', 'allow', 'role editor (db:write:orders)'],
  ['alice', 'db:write:customers', 'deny', 'no role or policy grants it'],
  ['alice', 'db:raw:*', 'deny', 'no role or policy grants it'],
  ['alice', 'cache:read:user:1:profile', 'allow', 'role reader (cache:read:*)'],
  ['alice', 'cache:write:session:abc', 'allow', 'role editor (cache:write:session:*)'],
  ['alice', 'cache:write:sessions', 'deny', 'no role or policy grants it'],
  ['alice', 'fs:write:uploads/a.png', 'allow', 'role editor (fs:write:uploads/**)'],
  ['alice', 'fs:write:uploads/2025/01/a.png', 'allow', 'role editor'],
  ['alice', 'fs:write:uploads', 'allow', 'role editor'],
  ['alice', 'fs:write:uploads-old/a.png', 'deny', 'no role or policy grants it'],
  ['alice', 'fs:write:cache/x', 'deny', 'no role or policy grants it'],
  ['nobody', 'cache:read:k', 'deny', 'no role or policy grants it'],
  ['ghost', 'db:read:orders', 'deny', 'no role or policy grants it'],
  // admin wildcard, and deny wins over it
  ['root', 'db:raw:*', 'allow', 'role admin (*:*:*)'],
  ['root', 'queue:publish:jobs', 'allow', 'role admin'],
  ['root', 'fs:write:logs/audit.jsonl', 'deny', 'policy audit-log-is-sacred'],
  ['root', 'fs:read:logs/audit.jsonl', 'allow', 'role admin'],
  // deny permissions inside a role
  ['carol', 'db:read:orders', 'allow', 'role auditor (*:read:*)'],
  ['carol', 'db:read:secrets', 'deny', 'role auditor (!db:read:secrets)'],
  ['carol', 'fs:read:private/keys/a.pem', 'deny', 'role auditor (!fs:read:private/**)'],
  ['carol', 'fs:read:public/a', 'allow', 'role auditor'],
  ['carol', 'db:write:orders', 'deny', 'no role or policy grants it'],
  // time window policy (deny unless 06:00–22:00 UTC)
  ['alice', 'db:write:orders', 'deny', 'policy night-freeze', NIGHT],
  ['alice', 'db:write:orders', 'deny', 'policy night-freeze', EARLY],
  ['root', 'db:write:anything', 'deny', 'policy night-freeze', NIGHT],
  ['alice', 'db:read:orders', 'allow', 'role reader', NIGHT],
  // attribute policy (allow)
  ['bob', 'db:write:reports', 'allow', 'policy ops-reports'],
  ['alice', 'db:write:reports', 'deny', 'no role or policy grants it'],
  ['ops', 'db:write:reports', 'allow', 'policy ops-reports'],
  ['bob', 'db:write:reports', 'deny', 'policy night-freeze', NIGHT],
  // principal-specific deny policy
  ['bob', 'fs:read:uploads/a', 'deny', 'policy bob-no-fs'],
  ['bob', 'fs:write:uploads/a', 'deny', 'policy bob-no-fs'],
  // ownership through templates
  ['dave', 'fs:write:home/dave/notes.txt', 'allow', 'role tenant'],
  ['dave', 'fs:write:home/erin/notes.txt', 'deny', 'no role or policy grants it'],
  ['dave', 'fs:read:home/davey/x', 'deny', 'no role or policy grants it'],
  ['dave', 'cache:write:user:dave:cart', 'allow', 'role tenant'],
  ['dave', 'cache:read:user:erin:cart', 'deny', 'no role or policy grants it'],
  ['dave', 'db:write:tenant_acme_orders', 'allow', 'role tenant'],
  ['dave', 'db:write:tenant_globex_orders', 'deny', 'no role or policy grants it'],
  ['eve', 'db:read:tenant__orders', 'deny', 'no role or policy grants it'],
  ['eve', 'fs:read:home/eve/a', 'allow', 'role tenant'],
  // ownership through request attributes
  ['erin', 'db:write:documents', 'allow', 'policy owners-edit', NOON, { owner: 'erin' }],
  ['erin', 'db:write:documents', 'deny', 'no role or policy grants it', NOON, { owner: 'dave' }],
  ['erin', 'db:write:documents', 'deny', 'no role or policy grants it'],
  ['alice', 'db:write:documents', 'deny', 'no role or policy grants it', NOON, { owner: 'alice' }],
  // office hours in another timezone
  ['nobody', 'fs:write:shared/a', 'allow', 'policy office-shared', PARIS_0830 + 3_600_000],
  ['nobody', 'fs:write:shared/a', 'deny', 'no role or policy grants it', PARIS_0830],
  ['nobody', 'fs:write:shared/a', 'allow', 'policy office-shared', PARIS_1659],
  ['nobody', 'fs:write:shared/a', 'deny', 'no role or policy grants it', PARIS_1700],
  ['nobody', 'fs:write:shared/a', 'deny', 'no role or policy grants it', SATURDAY_NOON],
  // request attribute deny beats everything
  ['root', 'cache:read:k', 'deny', 'policy blocked-source', NOON, { source: '10.6.6.6' }],
  ['root', 'cache:read:k', 'allow', 'role admin', NOON, { source: '10.0.0.1' }],
  // attribute deny vs direct permission
  ['frank', 'cache:write:scratch:1', 'deny', 'policy contractors-read-only'],
  ['gina', 'cache:write:scratch:1', 'allow', 'principal gina (cache:write:scratch:*)'],
  ['frank', 'cache:read:scratch:1', 'allow', 'role reader'],
  // raw SQL has its own permission
  ['dbadmin', 'db:raw:*', 'allow', 'role dba (db:raw:*)'],
  ['dbadmin', 'db:write:orders', 'deny', 'no role or policy grants it'],
];

function request(permission: string, attributes?: Record<string, string>): AccessRequest {
  const [resource, action, ...rest] = permission.split(':');
  return {
    resource: resource as string,
    action: action as string,
    scope: rest.join(':'),
    ...(attributes ? { attributes } : {}),
  };
}

describe('Authorizer: role × permission × policy × resource → decision', () => {
  const clock = new TestClock(NOON);
  const authorizer = new Authorizer(rules, clock);

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s asks %s → %s (%s)', (who, permission, expected, reason, at, attributes) => {
    const clockAt = new TestClock(at ?? NOON);
    const decision = new Authorizer(rules, clockAt).decide(
      principals[who] as Principal,
      request(permission, attributes),
    );
    expect(decision.allowed).toBe(expected === 'allow');
    expect(decision.reason).toContain(reason);
    expect(decision.permission).toBe(permission);
  });

  it('a request over every scope needs a universal grant and is refused by any deny of that resource', () => {
    const all = (resource: string, action: string): AccessRequest => ({ resource, action, scope: ALL_SCOPES });
    expect(authorizer.decide(principals.root as Principal, all('cache', 'write')).allowed).toBe(true);
    expect(authorizer.decide(principals.alice as Principal, all('cache', 'write')).allowed).toBe(false); // only session:*
    expect(authorizer.decide(principals.alice as Principal, all('cache', 'read')).allowed).toBe(true);
    expect(authorizer.decide(principals.carol as Principal, all('db', 'read')).reason).toContain('!db:read:secrets');
    expect(authorizer.decide(principals.root as Principal, all('fs', 'write')).reason).toContain('audit-log-is-sacred');
  });

  it('a memoized decision for the literal scope "*" is not taken for a request over every scope', () => {
    const a = new Authorizer({ roles: { one: { permissions: ['cache:write:?'] } } }, clock);
    const p: Principal = { id: 'q', roles: ['one'], attributes: {} };
    expect(a.decide(p, { resource: 'cache', action: 'write', scope: '*' }).allowed).toBe(true);
    expect(a.decide(p, { resource: 'cache', action: 'write', scope: ALL_SCOPES }).allowed).toBe(false);
    expect(a.decide(p, { resource: 'cache', action: 'write', scope: '*' }).allowed).toBe(true);
  });

  it('re-evaluates conditions as the clock moves', async () => {
    const c = new TestClock(Date.UTC(2025, 0, 15, 21, 59));
    const a = new Authorizer(rules, c);
    expect(a.decide(principals.alice as Principal, request('db:write:orders')).allowed).toBe(true);
    await c.advance(60_000);
    expect(a.decide(principals.alice as Principal, request('db:write:orders')).allowed).toBe(false);
  });

  it('lists the permissions a principal holds', () => {
    expect(authorizer.permissionsOf(principals.alice as Principal)).toEqual(
      expect.arrayContaining(['db:write:orders', 'db:read:*', 'fs:write:uploads/**']),
    );
  });

  it('rejects an inheritance cycle and malformed permissions', () => {
    expect(
      () =>
        new Authorizer(
          { roles: { a: { permissions: [], inherits: ['b'] }, b: { permissions: [], inherits: ['a'] } } },
          clock,
        ),
    ).toThrow(/inherits itself/);
    expect(() => new Authorizer({ roles: { a: { permissions: ['db:write'] } } }, clock)).toThrow(
      /resource:action:scope/,
    );
    expect(
      () => new Authorizer({ policies: [{ name: 'x', effect: 'deny', permissions: ['!db:write:*'] }] }, clock),
    ).toThrow(/effect: deny/);
  });
});
