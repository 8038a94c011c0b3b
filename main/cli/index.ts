// The `ferry` command: a thin client of the engine (lab, hosts, check, ps, migrate, evacuate, dashboard).
import { Command } from 'commander';
import { usageErrorsAsBadInput } from './output';

type Register = (program: Command) => void;

/**
 * Each command's module by the command names it registers, loaded on demand: `ferry ps HOST` loads ps's code
 * (ssh2) and not the engine's, the history database's or the dashboard's (zod, yaml, sql.js, ws). Help, an
 * unknown command and no command load them all, in this order (the order of `ferry --help`).
 */
const COMMANDS: { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ['lab'], load: async () => (await import('./commands/lab')).registerLab },
  { names: ['hosts', 'check'], load: async () => (await import('./commands/hosts')).registerHosts },
  { names: ['ps'], load: async () => (await import('./commands/ps')).registerPs },
  { names: ['migrate'], load: async () => (await import('./commands/migrate')).registerMigrate },
  { names: ['evacuate'], load: async () => (await import('./commands/evacuate')).registerEvacuate },
  { names: ['recover'], load: async () => (await import('./commands/recover')).registerRecover },
  { names: ['dashboard'], load: async () => (await import('./commands/dashboard')).registerDashboard },
];

const program = new Command();
program
  .name('ferry')
  .description('Move a running Linux process to another machine without dropping its TCP connections')
  .showHelpAfterError()
  .enablePositionalOptions();
usageErrorsAsBadInput(program);

// The program has no options of its own, so a command's name is always the first argument.
const named = COMMANDS.find((c) => c.names.includes(process.argv[2] ?? ''));
for (const register of await Promise.all((named ? [named] : COMMANDS).map((c) => c.load()))) register(program);

await program.parseAsync(process.argv);
