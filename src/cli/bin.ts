#!/usr/bin/env node
import { Command } from 'commander';
import { commands } from './commands/index.js';
import { statorVersion } from './version.js';

const program = new Command('stator')
  .description("Bring up, supervise and observe a service's cache, filesystem and database.")
  .version(statorVersion(), '-V, --version', 'print the version of Stator and exit')
  .showHelpAfterError();
for (const load of commands) (await load())(program);
await program.parseAsync(process.argv);
