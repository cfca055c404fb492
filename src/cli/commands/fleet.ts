import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import type { FleetInstance } from '../../status/fleet/fleet-instance.js';
import { FleetReader } from '../../status/fleet/fleet-reader.js';
import { fleetSettings } from '../../status/fleet/fleet-settings.js';

interface FleetCliOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly service?: string;
}

/**
 * `stator fleet [--config FILE] [--service NAME] [--json]`: every live instance of the service
 * (heartbeats in Redis, see `fleet:`), with its status and each resource's state. Exit 0 when
 * listed (even empty), 2 when the fleet is off or Redis cannot be read.
 */
export function register(program: Command): void {
  program
    .command('fleet')
    .description(
      'list every instance of the service that sent a heartbeat to Redis (fleet: in the configuration), with its resources',
    )
    .option(
      '-c, --config <file>',
      'YAML configuration (the fleet needs Redis: cache.driver redis, error_handling.redis or fleet.redis)',
    )
    .option('--service <name>', 'list this service instead of fleet.service')
    .option('--json', 'print the instances as JSON')
    .action(async (options: FleetCliOptions) => {
      let reader: FleetReader | undefined;
      try {
        const config = loadConfig(options.config);
        const settings = fleetSettings(
          options.service ? { ...config, fleet: { ...config.fleet, service: options.service } } : config,
        );
        if (!settings) {
          process.stderr.write(
            'stator fleet: the fleet is off: set cache.driver: redis, error_handling.redis or fleet.redis (and leave fleet.enabled on)\n',
          );
          process.exitCode = 2;
          return;
        }
        reader = new FleetReader(settings);
        const instances = await reader.list();
        process.stdout.write(
          options.json ? `${JSON.stringify(instances, null, 2)}\n` : fleetTable(settings.service, instances),
        );
      } catch (error) {
        process.stderr.write(`stator fleet: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
      } finally {
        reader?.close();
      }
    });
}

/** The instances as text: one line each, then its resources. */
export function fleetTable(service: string, instances: readonly FleetInstance[], now = Date.now()): string {
  if (instances.length === 0) return `fleet ${service}: no instance has sent a heartbeat\n`;
  const lines = [`fleet ${service}: ${instances.length} instance${instances.length === 1 ? '' : 's'}`];
  for (const i of instances) {
    const age = ((now - i.time) / 1000).toFixed(1);
    lines.push(`  ${i.instance.padEnd(24)} ${i.status.padEnd(9)} ${i.host} pid ${i.pid}, last heartbeat ${age}s ago`);
    for (const [name, r] of Object.entries(i.resources))
      lines.push(`    ${name.padEnd(14)} ${r.state}${r.reason ? ` (${r.reason})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
