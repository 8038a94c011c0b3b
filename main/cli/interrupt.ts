// Ctrl-C in a long CLI command (a migration, an evacuation): the first one cancels by the service's rules and says
// what happens next; a second one ends the CLI the usual way (ferry recover then finishes what it left).
import { toErrorInfo } from '../../app/errors';
import { formatError } from './output';

/**
 * Calls `cancel` on the first Ctrl-C; the line it returns is printed when `say` (not with --json). A refused cancel
 * prints its reason. Returns the function that stops listening.
 */
export function cancelOnInterrupt(cancel: () => string, say: boolean): () => void {
  const onInt = () => {
    process.removeListener('SIGINT', onInt);
    try {
      const line = cancel();
      if (say) console.error(`ferry: ${line}; Ctrl-C again to quit without waiting, then run ferry recover`);
    } catch (err) {
      console.error(`ferry: ${formatError(toErrorInfo(err))}`);
    }
  };
  process.on('SIGINT', onInt);
  return () => process.removeListener('SIGINT', onInt);
}
