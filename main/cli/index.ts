// The `ferry` command: a thin client of the engine (lab, hosts, check, ps, migrate).
import { Command } from 'commander';
import { registerLab } from './commands/lab';

const program = new Command();
program
  .name('ferry')
  .description('Move a running Linux process to another machine without dropping its TCP connections')
  .showHelpAfterError()
  .enablePositionalOptions();

registerLab(program);

await program.parseAsync(process.argv);
