import type { Command } from 'commander';
import { machinesById } from '../../../machines/index.js';
import { readEventLog } from '../../events/event-log-reader.js';
import { replay } from '../../events/replay.js';
import { loadMachines, overrideInputs, parseInputOverrides } from '../../events/replay-overrides.js';
import { formatTimeline } from '../../events/timeline.js';

interface ReplayCliOptions {
  readonly color: boolean;
  readonly input?: string;
  readonly machines?: string;
}

/**
 * `stator replay FILE [--input JSON] [--machines MODULE]`: replays a recorded event log and prints
 * the timeline; exit 1 on a divergence (and 2 when the log or an option cannot be read).
 */
export function register(program: Command): void {
  program
    .command('replay')
    .description(
      "replay a recorded event log (JSONL) into today's machines; print each machine's timeline and the first divergence (exit 1)",
    )
    .argument('<file>', 'the event log, as written with events.path')
    .option(
      '--input <json>',
      'change machines\' inputs, by source or machine id: \'{"breaker.cache":{"resetTimeoutMs":2000}}\'',
    )
    .option(
      '--machines <module>',
      "replay with the machines of this module (its machinesById export), over Stator's own",
    )
    .option('--no-color', 'plain text even on a terminal')
    .action(async (file: string, options: ReplayCliOptions) => {
      try {
        const overrides = options.input ? parseInputOverrides(options.input) : undefined;
        const machines = options.machines
          ? { ...machinesById, ...(await loadMachines(options.machines)) }
          : machinesById;
        const result = await replay(await readEventLog(file), {
          machines,
          ...(overrides ? { input: overrideInputs(overrides) } : {}),
        });
        process.stdout.write(formatTimeline(result, { color: options.color && Boolean(process.stdout.isTTY) }));
        if (result.divergence) process.exitCode = 1;
      } catch (error) {
        process.stderr.write(`stator replay: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
      }
    });
}
