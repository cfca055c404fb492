import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentationPages } from './markdown-samples.js';

// The manual stands on its own: a short README, every link inside the repository resolving to a
// file (and heading) that exists, nothing pointing outside the repository.

const root = resolve(import.meta.dirname, '../..');
const pages = [...documentationPages(root), 'CONTRIBUTING.md', 'bench/README.md'];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => slug(match[1] ?? '')));
}

/** Links of a page, outside code blocks and code spans: `[text](target)`. */
function linksOf(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
}

describe('documentation pages', () => {
  it('keep the README at most 25 KB', () => {
    expect(statSync(join(root, 'README.md')).size).toBeLessThanOrEqual(25 * 1024);
  });

  it('link every page of docs/ from the README map', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const unlisted = documentationPages(root).filter(
      (page) => page.startsWith('docs/') && !readme.includes(`](${page})`),
    );
    expect(unlisted).toEqual([]);
  });

  it('point nowhere outside the repository', () => {
    const outside = pages.filter((page) =>
      /\.\.\/shared|\/work\/|shared\/(DESIGN|STYLE)\.md/.test(readFileSync(join(root, page), 'utf8')),
    );
    expect(outside).toEqual([]);
  });

  for (const page of pages) {
    it(`${page}: every relative link leads to a file and heading that exist`, () => {
      const broken = linksOf(readFileSync(join(root, page), 'utf8'))
        .filter((target) => !/^[a-z]+:/i.test(target))
        .filter((target) => {
          const [path = '', anchor] = target.split('#');
          const file = path === '' ? join(root, page) : resolve(dirname(join(root, page)), path);
          if (!existsSync(file)) return true;
          if (path !== '' && path.endsWith('/')) return false;
          return anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor);
        });
      expect(broken).toEqual([]);
    });
  }
});
