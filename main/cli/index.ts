// The `ferry` command: a thin client of the engine (lab, hosts, check, ps, migrate, evacuate, dashboard).
import { Command } from 'commander';
import { registerDashboard } from './commands/dashboard';
import { registerEvacuate } from './commands/evacuate';
import { registerHosts } from './commands/hosts';
import { registerLab } from './commands/lab';
import { registerMigrate } from './commands/migrate';
import { registerPs } from './commands/ps';
import { registerRecover } from './commands/recover';
import { usageErrorsAsBadInput } from './output';

const program = new Command();
program
  .name('ferry')
  .description('Move a running Linux process to another machine without dropping its TCP connections')
  .showHelpAfterError()
  .enablePositionalOptions();
usageErrorsAsBadInput(program);

registerLab(program);
registerHosts(program);
registerPs(program);
registerMigrate(program);
registerEvacuate(program);
registerRecover(program);
registerDashboard(program);

await program.parseAsync(process.argv);
