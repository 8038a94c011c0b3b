// What the global set-up started, shared with the tests through a file (workers are separate processes).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface E2eRun {
  /** The URL with the token, as `ferry dashboard` printed it. */
  url: string;
  port: number;
  origin: string;
  lab: string;
  stateDir: string;
  /** The demo workload's PID on lab-a. */
  demoPid: number;
}

/** Where the set-up writes the run's description. */
export function runStateFile(): string {
  return path.join(os.tmpdir(), `ferry-e2e-${process.env.FERRY_LAB ?? 'ferry'}.json`);
}

/** The running dashboard and lab, for a test. */
export function e2eRun(): E2eRun {
  return JSON.parse(readFileSync(runStateFile(), 'utf8')) as E2eRun;
}

/**
 * Where the e2e run writes its screenshots: an ignored folder, so a test run leaves the work tree unchanged.
 * `npm run screenshots` points it at docs/screenshots to refresh the committed ones (FERRY_SCREENSHOTS).
 */
export const SCREENSHOTS = path.resolve(process.env.FERRY_SCREENSHOTS ?? path.join('.ferry', 'screenshots'));
