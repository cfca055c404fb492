import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { securitySection } from '../../../src/config/sections/security.js';

const messages = (input: unknown): string[] => {
  const r = securitySection.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('security config section', () => {
  it('defaults to nothing granted, HS256 tokens of 15 minutes, audit in logs/audit.jsonl', () => {
    const config = configSchema.parse({});
    expect(config.security).toMatchObject({
      principals: {},
      roles: {},
      policies: [],
      jwt: { algorithm: 'HS256', ttl: 900, issuer: 'stator', audience: 'stator' },
      login: { max_failures: 5, max_failures_per_source: 20, window: 300, lockout: 900 },
      audit: { file: 'logs/audit.jsonl' },
      revocation: { store: 'memory' },
    });
  });

  it('accepts a full configuration', () => {
    expect(
      messages({
        principals: {
          alice: {
            password_hash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
            roles: ['editor'],
            attributes: { team: 'dev', groups: ['a'] },
          },
        },
        roles: {
          reader: { permissions: ['db:read:*'] },
          editor: { inherits: ['reader'], permissions: ['db:write:orders', '!db:write:audit'] },
        },
        policies: [
          {
            name: 'night',
            effect: 'deny',
            permissions: ['db:write:*'],
            unless: { time: { from: '06:00', to: '22:00', days: ['mon'], timezone: 'Europe/Paris' } },
          },
        ],
        jwt: { secret: 'x'.repeat(32), ttl: 60 },
      }),
    ).toEqual([]);
  });

  it('lists every problem by path', () => {
    const problems = messages({
      principals: { 'bad id!': {}, bob: { roles: ['ghost'], key_hashes: ['md5:abc'] } },
      roles: { a: { permissions: ['db:write'], inherits: ['b'] }, b: { permissions: [], inherits: ['a'] } },
      policies: [
        {
          name: 'p',
          effect: 'deny',
          permissions: ['!db:write:*'],
          when: { time: { from: '25:00', timezone: 'Mars/Olympus' } },
        },
        { name: 'p', effect: 'allow', permissions: ['db:read:x'] },
      ],
      jwt: { secret: 'short' },
      audit: { file: '../outside.jsonl' },
    });
    const text = problems.join('\n');
    expect(text).toMatch(/principals\.bad id!/);
    expect(text).toMatch(/principals\.bob\.key_hashes\.0: expected "sha256:"/);
    expect(text).toMatch(/roles\.a\.permissions\.0: expected "resource:action:scope"/);
    expect(text).toMatch(/policies\.0\.when\.time\.from: expected a time "HH:MM"/);
    expect(text).toMatch(/policies\.0\.when\.time\.timezone: expected an IANA time zone/);
    expect(text).toMatch(/jwt\.secret: expected a secret of at least 32 characters/);
    expect(text).toMatch(/audit\.file: expected a path relative to filesystem\.base_path/);
  });

  it('checks references between keys once the shapes are valid', () => {
    const text = messages({
      principals: { bob: { roles: ['ghost'] } },
      roles: { a: { permissions: [], inherits: ['b'] }, b: { permissions: [], inherits: ['a'] } },
      policies: [
        { name: 'p', effect: 'deny', permissions: ['!db:write:*'] },
        { name: 'p', effect: 'allow', permissions: ['db:read:x'] },
      ],
      jwt: { algorithm: 'EdDSA' },
    }).join('\n');
    expect(text).toMatch(/principals\.bob\.roles\.0: unknown role "ghost"/);
    expect(text).toMatch(/roles: role "a" inherits itself/);
    expect(text).toMatch(/policies\.0\.permissions\.0: write the permission without "!"/);
    expect(text).toMatch(/policies\.1\.name: duplicate policy name "p"/);
    expect(text).toMatch(/jwt\.private_key_file: EdDSA needs/);
  });
});
