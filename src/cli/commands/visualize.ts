import type { Command } from 'commander';
import path from 'node:path';
import { readManifest } from '../../visualize/manifest.js';
import { staleVisualizations, writeVisualizations } from '../../visualize/visualize.js';

/**
 * `stator visualize [--out DIR] [--check]`: Mermaid, SVG and JSON for every machine in the
 * manifest, written under the current directory (`./visualizations` by default), never into the
 * installed package.
 */
export function register(program: Command): void {
  program
    .command('visualize')
    .description(
      'write a Mermaid diagram, an SVG and the JSON definition of every machine listed in stately.config.json',
    )
    .option('--out <dir>', 'where to write them (default: ./visualizations under the current directory)')
    .option('--check', 'write nothing; exit 1 when a generated file is missing or stale')
    .option(
      '--format <format>',
      '"diagrams" (Mermaid, SVG, JSON) or "stately": <id>.stately.js, the createMachine() source Stately Studio imports',
      'diagrams',
    )
    .action(async (options: { out?: string; check?: boolean; format: string }) => {
      const out = path.resolve(options.out ?? (await readManifest()).outDir);
      if (options.format !== 'diagrams' && options.format !== 'stately') {
        console.error(`stator visualize: --format must be "diagrams" or "stately", not "${options.format}"`);
        process.exitCode = 2;
        return;
      }
      if (options.check) {
        const stale = await staleVisualizations(out);
        for (const file of stale) console.log(`stale: ${path.relative(process.cwd(), file)}`);
        if (stale.length) {
          console.log('Run `stator visualize` (or `npm run visualize`) and commit the result.');
          process.exitCode = 1;
        } else console.log('visualizations are up to date');
        return;
      }
      const written = await writeVisualizations(out, undefined, options.format);
      for (const file of written) console.log(`wrote ${path.relative(process.cwd(), file)}`);
    });
}
