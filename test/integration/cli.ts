// Runs the built `ferry` CLI as an operator would, capturing output and exit status.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json?: any;
}

/** Runs `node bin/ferry.mjs ...args` from the repository root. */
export function ferry(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'ferry.mjs'), ...args], {
      cwd: REPO,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, ...(json !== undefined ? { json } : {}) });
    });
  });
}

/** Runs the CLI and fails with its output when the exit status differs. */
export async function ferryOk(args: string[], expectCode = 0): Promise<CliResult> {
  const r = await ferry(args);
  if (r.code !== expectCode) throw new Error(`ferry ${args.join(' ')} exited ${r.code} (expected ${expectCode})\n${r.stdout}\n${r.stderr}`);
  return r;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
