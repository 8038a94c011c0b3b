// Runs a recipe step as an operator's terminal would: `sh -c script` locally, stdout back, a failure as an error.
import { spawn } from 'node:child_process';
import { FerryError } from '../../app/errors';

/** Runs `sh -c script sh args…` locally and returns its stdout; `what` names the recipe in a failure. */
export function localSh(what: string, script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script, 'sh', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new FerryError({ code: 'COMMAND_FAILED', message: `${what} step failed (${code}): ${err.trim().slice(-500)}` })),
    );
  });
}
