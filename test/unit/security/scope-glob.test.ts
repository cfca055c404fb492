import { describe, expect, it } from 'vitest';
import { compileScopeGlob, escapeGlob } from '../../../src/security/scope-glob.js';

describe('scope glob', () => {
  const cases: [pattern: string, scope: string, matches: boolean][] = [
    ['*', 'anything/at/all', true],
    ['**', 'a/b', true],
    ['orders', 'orders', true],
    ['orders', 'orders2', false],
    ['orders', 'Orders', false],
    ['order?', 'orders', true],
    ['user:*', 'user:1', true],
    ['user:*', 'user:1:profile', true],
    ['user:*', 'session:1', false],
    ['uploads/*', 'uploads/a.png', true],
    ['uploads/*', 'uploads/x/a.png', false],
    ['uploads/**', 'uploads', true],
    ['uploads/**', 'uploads/x/y/a.png', true],
    ['uploads/**', 'uploads2/a', false],
    ['uploads/**', 'uploadsx', false],
    ['**/*.png', 'a.png', true],
    ['**/*.png', 'a/b/c.png', true],
    ['**/*.png', 'a/b/c.jpg', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/xb', false],
    ['tenant_*_orders', 'tenant_acme_orders', true],
    ['public.orders', 'publicXorders', false],
    ['a\\*', 'a*', true],
    ['a\\*', 'ab', false],
  ];
  it.each(cases)('%s against %s → %s', (pattern, scope, matches) => {
    expect(compileScopeGlob(pattern).test(scope)).toBe(matches);
  });

  it('escapes a value so that its wildcards are literal', () => {
    const re = compileScopeGlob(`home/${escapeGlob('*')}/**`);
    expect(re.test('home/*/a')).toBe(true);
    expect(re.test('home/bob/a')).toBe(false);
  });
});

describe('globs and templates that cannot over-reach', () => {
  const cases: [pattern: string, seps: string, scope: string, matches: boolean][] = [
    ['user:*', ':', 'user:1', true],
    ['user:*', ':', 'user:1:profile', false],
    ['user:**', ':', 'user:1:profile', true],
    ['user:alice*', ':', 'user:alicebob:cart', false],
    ['user:alice:*', ':', 'user:alice:cart', true],
    ['secret_*', '._', 'secret_x', true],
    ['secret_*', '._', 'secret_x_y', false],
    ['*.orders', '._', 'audit.orders', true],
    ['*', '._', 'audit.orders', true],
    ['public*', '._', 'public.orders', false],
    ['uploads/*', '/', 'uploads/x/a.png', false],
  ];
  it.each(cases)('%s (separators %s) against %s → %s', (pattern, seps, scope, matches) => {
    expect(compileScopeGlob(pattern, seps).test(scope)).toBe(matches);
  });
});
