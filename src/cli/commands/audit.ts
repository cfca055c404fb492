import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { isStatorError } from '../../errors/stator-error.js';
import { readAuditKey } from '../../security/create-security.js';
import { verifyAuditLog } from '../../security/verify-audit-log.js';

interface VerifyOptions {
  readonly file?: string;
  readonly config?: string;
  readonly json?: boolean;
}

/** The audit log to check: `--file`, or `security.audit.file` under `filesystem.base_path` of `--config` (or the embedded default). */
function auditFileOf(options: VerifyOptions): { file: string; key?: string } {
  // The key: security.audit.key(_file) of --config, or STATOR_AUDIT_KEY with --file.
  const envKey = process.env.STATOR_AUDIT_KEY;
  if (options.file) return { file: resolve(options.file), ...(envKey ? { key: envKey } : {}) };
  const config = loadConfig(options.config);
  const key = config.security.audit.key ?? readAuditKey(config.security.audit.key_file) ?? envKey;
  return { file: resolve(config.filesystem.base_path, config.security.audit.file), ...(key ? { key } : {}) };
}

/**
 * `stator audit verify [--file F | --config C]`: checks the audit log's hash chain. Exit 0 when
 * intact, 1 at the first bad entry (named, with its line), 2 when the file cannot be read.
 */
export function register(program: Command): void {
  const audit = program.command('audit').description('work with the security audit log');
  audit
    .command('verify')
    .description('check the hash chain of the audit log; exit 1 naming the first edited, deleted or reordered entry')
    .option('--file <file>', 'the audit log (JSONL)')
    .option('--config <file>', 'read the audit log location from this configuration (filesystem.base_path + security.audit.file)')
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
        result = await verifyAuditLog(file, target.key !== undefined ? { key: target.key } : {});
      } catch (error) {
        const message = isStatorError(error) ? error.message : `cannot read the audit log: ${(error as Error).message}`;
        process.stderr.write(`stator audit verify: ${message}\n`);
        process.exitCode = 2;
        return;
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ file, ...result })}\n`);
      } else if (result.ok) {
        process.stdout.write(`${file}: OK, ${result.verified} entries, chain head seq ${result.head.seq} hash ${result.head.hash}\n`);
      } else {
        const bad = result.firstBad;
        process.stdout.write(
          `${file}: BROKEN at line ${bad?.line}${bad?.seq !== undefined ? ` (entry ${bad.seq})` : ''}: ${bad?.problem}\n` +
            `${result.verified} entries before it are intact (last good entry ${result.head.seq}).\n`,
        );
      }
      if (!result.ok) process.exitCode = 1;
    });
}
