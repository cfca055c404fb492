import type { Command } from 'commander';
import { readEventLog } from '../../events/event-log-reader.js';
import { replay } from '../../events/replay.js';
import { formatTimeline } from '../../events/timeline.js';

/** `stator replay FILE`: replays a recorded event log and prints the timeline; exit 1 on a divergence. */
export function register(program: Command): void {
  program
    .command('replay')
    .description("replay a recorded event log (JSONL) into today's machines; print each machine's timeline and the first divergence")
    .argument('<file>', 'the event log, as written with events.path')
    .option('--no-color', 'plain text even on a terminal')
    .action(async (file: string, options: { color: boolean }) => {
      const result = await replay(await readEventLog(file));
      process.stdout.write(formatTimeline(result, { color: options.color && Boolean(process.stdout.isTTY) }));
      if (result.divergence) process.exitCode = 1;
    });
}
