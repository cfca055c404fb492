import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { checkShellSample } from './check-shell.js';
import { allSamples, type Sample } from './markdown-samples.js';
import { runCodeSample, validateYamlSample } from './run-sample.js';

// Every code sample of README.md and docs/**/*.md, run or checked (see test/docs/README.md):
// ts/js run against this checkout on the embedded default, yaml goes through the configuration
// loader, json is parsed, sh commands must exist with the options they use.

const root = resolve(import.meta.dirname, '../..');
const samples = allSamples(root);
const CODE = ['ts', 'typescript', 'js', 'javascript'];
const KNOWN = [...CODE, 'yaml', 'yml', 'json', 'jsonl', 'sh', 'bash', 'shell', 'text', ''];

/**
 * The configuration a code sample runs with as `stator.yaml`: the page's YAML sample marked
 * `doctest:stator.yaml` nearest before it, else the first one after it (a page may show the code
 * before its configuration); the embedded default when the page has none.
 */
function configFor(sample: Sample): string | undefined {
  const marked = samples.filter((s) => s.page === sample.page && s.flags.includes('stator.yaml'));
  return (marked.filter((s) => s.line < sample.line).at(-1) ?? marked.find((s) => s.line > sample.line))?.code;
}

const TESTED = [...CODE, 'yaml', 'yml', 'json', 'jsonl', 'sh', 'bash', 'shell'];
const pages = [...new Set(samples.map((s) => s.page))];
/** Pages with at least one sample to run or check (a page of prose and diagrams has none). */
const testedPages = pages.filter((page) => samples.some((s) => s.page === page && TESTED.includes(s.lang)));

describe('documentation samples', () => {
  it('finds the pages and samples (README.md and every docs/*.md)', () => {
    expect(testedPages).toContain('README.md');
    expect(pages).toContain('docs/configuration.md');
    expect(samples.filter((s) => CODE.includes(s.lang)).length).toBeGreaterThan(10);
  });

  it('uses only languages the doc tests know', () => {
    expect(samples.filter((s) => !KNOWN.includes(s.lang)).map((s) => `${s.page}:${s.line} ${s.lang}`)).toEqual([]);
  });

  for (const page of testedPages) {
    describe(page, () => {
      for (const sample of samples.filter((s) => s.page === page)) {
        const title = `${sample.lang || 'text'} sample at line ${sample.line}${sample.flags.length ? ` (${sample.flags.join(' ')})` : ''}`;
        if (CODE.includes(sample.lang)) {
          it(`runs the ${title}`, async () => {
            await runCodeSample(sample, configFor(sample));
          });
        } else if ((sample.lang === 'yaml' || sample.lang === 'yml') && sample.flags.includes('not-config')) {
          it(`parses the ${title} as YAML`, () => {
            expect(() => parseDocument(sample.code, { uniqueKeys: true }).toJS() as unknown).not.toThrow();
            expect(parseDocument(sample.code, { uniqueKeys: true }).errors).toEqual([]);
          });
        } else if (sample.lang === 'yaml' || sample.lang === 'yml') {
          it(`loads the ${title} as a configuration`, () => {
            validateYamlSample(sample);
          });
        } else if (sample.lang === 'json') {
          it(`parses the ${title}`, () => {
            expect(() => JSON.parse(sample.code) as unknown).not.toThrow();
          });
        } else if (sample.lang === 'jsonl') {
          it(`parses each line of the ${title}`, () => {
            const lines = sample.code.split('\n').filter((l) => l.trim() !== '');
            expect(lines.length).toBeGreaterThan(0);
            for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
          });
        } else if (['sh', 'bash', 'shell'].includes(sample.lang)) {
          it(`checks the commands of the ${title}`, async () => {
            expect(await checkShellSample(sample.code, root)).toEqual([]);
          });
        }
      }
    });
  }
});
