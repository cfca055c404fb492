import type { Command } from 'commander';
import { summarizeConfig, type ResourceSummary } from '../../config/config-summary.js';
import { loadConfig } from '../../config/load-config.js';
import type { StatorConfig } from '../../config/schema.js';
import { formatConfigProblem, isConfigInvalidError, type ConfigProblem } from '../../errors/config-invalid-error.js';
import { isDependencyCycleError } from '../../errors/dependency-cycle-error.js';
import { isUnknownDependencyError } from '../../errors/unknown-dependency-error.js';
import { SecretRegistry } from '../../logging/redact.js';
import { BUILTIN_RESOURCES, planResources } from '../../runtime/resource-plan.js';
import { startProblems } from '../check/start-problems.js';

/** Options of `stator check`. */
interface CheckOptions {
  readonly config?: string;
  readonly json?: boolean;
}

/** The outcome of checking one configuration. */
type CheckResult =
  | {
      readonly ok: true;
      readonly origin: string;
      readonly resources: readonly ResourceSummary[];
      readonly order: readonly string[];
    }
  | { readonly ok: false; readonly origin: string; readonly problems: readonly ConfigProblem[] };

/**
 * `stator check [--config FILE] [--json]`: validates a configuration without connecting to
 * anything and prints every problem (`path: message`), exit 1 when there is any; otherwise
 * prints `configuration OK` with each resource's driver and location (no secrets), exit 0.
 */
export function register(program: Command): void {
  program
    .command('check')
    .description('validate a configuration without starting anything; list every problem by path')
    .option('-c, --config <file>', 'YAML configuration to check (default: the embedded default)')
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      [
        '',
        'Environment variables referenced as ${NAME} are read from the environment, as `stator start` would.',
        'Exit status: 0 when the configuration is valid, 1 when it has problems, 2 when the check itself failed.',
      ].join('\n'),
    )
    .action((options: CheckOptions) => {
      process.exitCode = runCheck(options, (text) => void process.stdout.write(text));
    });
}

/** Checks and prints; returns the exit status. */
export function runCheck(options: CheckOptions, write: (text: string) => void): number {
  let result: CheckResult;
  try {
    result = check(options.config);
  } catch (error) {
    write(`stator check failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (options.json) {
    write(
      `${JSON.stringify(result.ok ? { ok: true, origin: result.origin, resources: result.resources, start_order: result.order } : result, null, 2)}\n`,
    );
    return result.ok ? 0 : 1;
  }
  if (!result.ok) {
    const count = result.problems.length === 1 ? '1 problem' : `${result.problems.length} problems`;
    write(`configuration invalid (${result.origin}): ${count}\n`);
    for (const problem of result.problems) write(`  ${formatConfigProblem(problem)}\n`);
    return 1;
  }
  write(`configuration OK (${result.origin})\n`);
  const resources = result.resources;
  const width = Math.max(...resources.map((r) => r.name.length));
  for (const resource of resources) {
    const flags = [
      resource.optional ? 'optional' : '',
      resource.dependsOn?.length ? `depends on ${resource.dependsOn.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    write(`  ${resource.name.padEnd(width)}  ${resource.driver}: ${resource.location}${flags ? ` (${flags})` : ''}\n`);
  }
  write(`  start order: ${result.order.join(' -> ')}\n`);
  return 0;
}

function check(file: string | undefined): CheckResult {
  const origin = file ?? 'embedded default';
  const secrets = new SecretRegistry();
  let config: StatorConfig;
  try {
    config = loadConfig(file, { secrets });
  } catch (error) {
    if (isConfigInvalidError(error)) return { ok: false, origin, problems: error.problems };
    throw error;
  }
  const startup = startProblems(config);
  if (startup.length) return { ok: false, origin, problems: startup };
  try {
    const names = [
      ...BUILTIN_RESOURCES,
      ...Object.keys(config.supervisor.resources).filter((n) => !(BUILTIN_RESOURCES as readonly string[]).includes(n)),
    ];
    const order = planResources(config, names).map((r) => r.name);
    // Hosts and paths only, and scrubbed once more in case a secret was written where a host belongs.
    return { ok: true, origin, resources: secrets.redact(summarizeConfig(config)), order };
  } catch (error) {
    // A dependency cycle or an unknown dependency: a configuration problem too.
    return {
      ok: false,
      origin,
      problems: [
        { path: dependencyPath(error), message: secrets.scrub(error instanceof Error ? error.message : String(error)) },
      ],
    };
  }
}

/** Where a dependency error points: `cache.depends_on`, `supervisor.resources.search.depends_on`. */
function dependencyPath(error: unknown): string {
  const resource = isUnknownDependencyError(error)
    ? error.resource
    : isDependencyCycleError(error)
      ? error.cycle[0]
      : undefined;
  if (resource === undefined) return 'depends_on';
  return (BUILTIN_RESOURCES as readonly string[]).includes(resource)
    ? `${resource}.depends_on`
    : `supervisor.resources.${resource}.depends_on`;
}
