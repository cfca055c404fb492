import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One fenced code block of a Markdown page. */
export interface Sample {
  /** The page, relative to the repository: `docs/cache.md`. */
  readonly page: string;
  /** Line of the opening fence (1-based). */
  readonly line: number;
  /** The language of the info string, lower-cased (`ts`, `yaml`, `sh`; `''` when none). */
  readonly lang: string;
  /** The `doctest:` words of the info string, without the prefix: `needs-redis`, `stator.yaml`. */
  readonly flags: readonly string[];
  readonly code: string;
}

/** Every fenced block of `markdown` (``` or ~~~ fences; indented fences inside lists too). */
export function extractSamples(markdown: string, page: string): Sample[] {
  const samples: Sample[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    const words = info.trim().split(/\s+/).filter(Boolean);
    samples.push({
      page,
      line: i + 1,
      lang: (words[0] ?? '').toLowerCase(),
      flags: words.filter((word) => word.startsWith('doctest:')).map((word) => word.slice('doctest:'.length)),
      code: body.join('\n'),
    });
    i = j;
  }
  return samples;
}

/** The pages whose samples are tested: README.md and every Markdown file under docs/. */
export function documentationPages(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
    );
  return ['README.md', ...walk(join(root, 'docs')).map((file) => relative(root, file))].sort();
}

/** The samples of every documentation page. */
export function allSamples(root: string): Sample[] {
  return documentationPages(root).flatMap((page) => extractSamples(readFileSync(join(root, page), 'utf8'), page));
}
