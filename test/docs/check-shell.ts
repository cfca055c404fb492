import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, type Option } from 'commander';
import { commands } from '../../src/cli/commands/index.js';

/**
 * Checks a shell sample without running it (running `npm ci` or a whole test suite from a test is
 * neither possible nor wanted): every command must be one the repository has, with options it
 * knows. Returns the problems found, one line each.
 */
export async function checkShellSample(code: string, root: string): Promise<string[]> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const program = new Command('stator');
  for (const load of commands) (await load())(program);
  const problems: string[] = [];
  for (const raw of code.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    for (const part of line.split(/&&|\|\||;|\|/)) {
      const words = tokenize(part).filter(
        (word, i, all) =>
          !(/^[A-Z_][A-Z0-9_]*=/.test(word) && all.slice(0, i).every((w) => /^[A-Z_][A-Z0-9_]*=/.test(w))),
      );
      const problem = checkCommand(words, pkg.scripts, program, root);
      if (problem) problems.push(`${part.trim()}: ${problem}`);
    }
  }
  return problems;
}

function tokenize(text: string): string[] {
  return [...text.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

function checkCommand(
  words: string[],
  scripts: Record<string, string>,
  program: Command,
  root: string,
): string | undefined {
  const [head = '', ...rest] = words;
  if (head === 'npm') return checkNpm(rest, scripts);
  if (head === 'npx' && rest[0] === 'stator') return checkStator(rest.slice(1), program);
  if (head === 'stator') return checkStator(rest, program);
  if (head === 'npx' && rest[0] === 'vitest') {
    const paths = rest.slice(1).filter((word) => word !== 'run' && !word.startsWith('-'));
    const missing = paths.filter((path) => !existsSync(join(root, path)));
    return missing.length > 0 ? `no such test path: ${missing.join(', ')}` : undefined;
  }
  if (head === 'node' || head === 'bash') {
    const file = rest.find((word) => !word.startsWith('-'));
    if (!file) return 'no file to run';
    const source = file.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    return existsSync(join(root, file)) || existsSync(join(root, source))
      ? undefined
      : `no such file: ${file} (nor ${source})`;
  }
  return `the doc tests do not know how to check \`${head}\`; teach test/docs/check-shell.ts`;
}

function checkNpm(args: string[], scripts: Record<string, string>): string | undefined {
  const [verb = '', name = ''] = args;
  if (verb === 'ci' || verb === 'install') return undefined;
  if (verb === 'start' || verb === 'test') return scripts[verb] ? undefined : `package.json has no "${verb}" script`;
  if (verb === 'run') return scripts[name] ? undefined : `package.json has no "${name}" script`;
  return `unknown npm command ${verb}`;
}

function checkStator(args: string[], program: Command): string | undefined {
  let command = program;
  let i = 0;
  for (; i < args.length; i++) {
    const sub = command.commands.find((c) => c.name() === args[i]);
    if (!sub) break;
    command = sub;
  }
  if (command === program) return `stator has no command ${args[0] ?? '(none)'}`;
  const known = (flag: string): boolean =>
    flag === '--help' ||
    flag === '-h' ||
    command.options.some(
      (option: Option) => option.long === flag || option.short === flag || (option.negate && option.long === flag),
    );
  const unknown = args
    .slice(i)
    .filter((word) => word.startsWith('-'))
    .map((word) => word.split('=')[0] ?? word)
    .filter((flag) => !known(flag));
  return unknown.length > 0 ? `stator ${command.name()} has no option ${unknown.join(', ')}` : undefined;
}
