import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { readYamlConfig } from '../../config/read-yaml.js';
import { configSchema } from '../../config/schema.js';
import { isStatorError } from '../../errors/stator-error.js';
import { readAuditKey } from '../../security/create-security.js';
import { verifyAuditSet } from '../../security/audit-set.js';

interface VerifyOptions {
  readonly file?: string;
  readonly config?: string;
  readonly json?: boolean;
}

/**
 * The audit log to check and its HMAC key: `--file` (key from `STATOR_AUDIT_KEY`), or
 * `security.audit.file` under `filesystem.base_path` of `--config` (or the embedded default), key
 * from `security.audit.key`/`key_file` there or `STATOR_AUDIT_KEY`. Only those keys are read from
 * the configuration, so that verifying a log needs no database password or JWT secret.
 */
function auditFileOf(options: VerifyOptions): { file: string; key?: string } {
  const envKey = process.env.STATOR_AUDIT_KEY;
  if (options.file) return { file: resolve(options.file), ...(envKey ? { key: envKey } : {}) };
  const config = loadConfig(options.config === undefined ? undefined : auditKeysOf(options.config));
  const key = config.security.audit.key ?? readAuditKey(config.security.audit.key_file) ?? envKey;
  return { file: resolve(config.filesystem.base_path, config.security.audit.file), ...(key ? { key } : {}) };
}

/** `filesystem.base_path` and `security.audit` of a YAML file, interpolated; nothing else. */
function auditKeysOf(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    throw new Error(`cannot read the configuration ${file}: ${(error as Error).message}`, { cause: error });
  }
  const data = (readYamlConfig(text, process.env, configSchema).data ?? {}) as {
    filesystem?: { base_path?: unknown };
    security?: { audit?: unknown };
  };
  return {
    ...(data.filesystem?.base_path !== undefined ? { filesystem: { base_path: data.filesystem.base_path } } : {}),
    ...(data.security?.audit !== undefined ? { security: { audit: data.security.audit } } : {}),
  };
}

/**
 * `stator audit verify [--file F | --config C]`: checks the audit log's hash chain across its
 * rotated files. Exit 0 when intact, 1 at the first bad entry or file (named, with its line), 2
 * when the log cannot be read.
 */
export function register(program: Command): void {
  const audit = program.command('audit').description('work with the security audit log');
  audit
    .command('verify')
    .description(
      'check the hash chain of the audit log and its rotated files; exit 1 naming the first edited, deleted or reordered entry or file',
    )
    .option('--file <file>', 'the audit log (JSONL); its rotated files beside it are checked too')
    .option(
      '--config <file>',
      'read the audit log location from this configuration (filesystem.base_path + security.audit.file)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: VerifyOptions) => {
      if (options.file && options.config) {
        process.stderr.write('stator audit verify: give either --file or --config, not both\n');
        process.exitCode = 2;
        return;
      }
      let file: string;
      let result;
      try {
        const target = auditFileOf(options);
        file = target.file;
        result = await verifyAuditSet(file, target.key !== undefined ? { key: target.key } : {});
      } catch (error) {
        const message = isStatorError(error) ? error.message : `cannot read the audit log: ${(error as Error).message}`;
        process.stderr.write(`stator audit verify: ${message}\n`);
        process.exitCode = 2;
        return;
      }
      const files = result.files.length === 1 ? '' : ` (${result.files.length} files)`;
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ file, ...result })}\n`);
      } else if (result.ok) {
        const since = result.startsAfter
          ? `; files before entry ${result.startsAfter.seq + 1} were removed by rotation.keep`
          : '';
        process.stdout.write(
          `${file}${files}: OK, ${result.verified} entries, chain head seq ${result.head.seq} hash ${result.head.hash}${since}\n`,
        );
      } else {
        const bad = result.firstBad;
        const where = result.badFile && result.badFile !== file ? `${basename(result.badFile)} ` : '';
        process.stdout.write(
          `${file}${files}: BROKEN at ${where}line ${bad?.line}${bad?.seq !== undefined ? ` (entry ${bad.seq})` : ''}: ${bad?.problem}\n` +
            `${result.verified} entries before it are intact (last good entry ${result.head.seq}).\n`,
        );
      }
      if (!result.ok) process.exitCode = 1;
    });
}
