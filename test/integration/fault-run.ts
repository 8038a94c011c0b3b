// Runs a migration and produces a fault for real at a chosen point of its output (shared by the fault tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { REPO } from './cli';

/**
 * Runs `ferry migrate ARGS` and does `fault` once, when its output first matches `when`; resolves with the
 * exit code, the output and the saved record. `fault` gets the output so far and the CLI's process. Fails the test when the fault never fired.
 */
export async function migrateWithFault(
  args: string[],
  when: RegExp,
  fault: (outSoFar: string, cli: ChildProcess) => void,
): Promise<{ code: number; out: string; rec: any }> {
  const child = spawn(process.execPath, [path.join(REPO, 'bin', 'ferry.mjs'), 'migrate', ...args], { cwd: REPO });
  let out = '';
  let fired = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!fired && when.test(out)) {
      fired = true;
      fault(out, child);
    }
  });
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
  expect(fired, out).toBe(true);
  const recordDir = /^record: (.*)$/m.exec(out)?.[1];
  expect(recordDir, out).toBeTruthy();
  return { code, out, rec: JSON.parse(readFileSync(path.join(recordDir!, 'record.json'), 'utf8')) };
}
