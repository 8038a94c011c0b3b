// `ferry dashboard`: starts the local bridge (the dashboard in a browser) and prints its URL with the token.
import type { Command } from 'commander';
import path from 'node:path';
import { FerryError } from '../../../app/errors';
import { repoRoot } from '../../util/repo-root';
import { action, printJson } from '../output';

/** Registers `dashboard`. */
export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve the dashboard on 127.0.0.1 and print its URL (with a per-start token); runs until Ctrl-C')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '7411')
    .option('--json', 'print {url, port} as one JSON line')
    .action(
      action(async (o: { port: string; json?: boolean }) => {
        const port = Number(o.port);
        if (!/^\d{1,5}$/.test(o.port) || port > 65535) throw new FerryError({ code: 'BAD_INPUT', message: `--port must be 0..65535, got "${o.port}"` });
        // Loaded here, not with the CLI: the API and the bridge bring ws, sql.js and zod, which no other command needs.
        const [{ createApi }, { startBridge }] = await Promise.all([import('../../api/create-api'), import('../../bridge/bridge-server')]);
        const api = await createApi();
        const bridge = await startBridge({ api, staticDir: path.join(repoRoot(), 'dist', 'renderer'), port }).catch(async (err: NodeJS.ErrnoException) => {
          await api.close();
          if (err.code === 'EADDRINUSE')
            throw new FerryError({
              code: 'BUSY',
              message: `port ${port} on 127.0.0.1 is in use`,
              hint: 'pass --port 0 for a free port, or stop the other dashboard',
            });
          throw err;
        });
        if (o.json) printJson({ url: bridge.url, port: bridge.port });
        else {
          console.log(`Ferry dashboard: ${bridge.url}`);
          console.log('Open it in a browser on this machine (the token in the URL is new at every start). Ctrl-C stops it.');
        }
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await bridge.close();
        await api.close();
      }),
    );
}
