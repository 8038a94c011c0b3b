// Brings up the lab named by FERRY_LAB (default "ferry") unless it is already up with the demo on lab-a, starts
// `ferry dashboard` on a free port with a fresh state folder, and returns the teardown that undoes what it started.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { runStateFile, type E2eRun } from './run-state';

const root = path.resolve(import.meta.dirname, '..');
const lab = process.env.FERRY_LAB ?? 'ferry';

function ferry(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'ferry.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, FERRY_LAB: lab, ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface LabStatusJson {
  up: boolean;
  demo?: { pid: number };
  serviceAddress: { holder?: string };
}

function labReady(): LabStatusJson | undefined {
  const r = ferry(['lab', 'status', '--json']);
  if (r.code !== 0) return undefined;
  const s = JSON.parse(r.stdout) as LabStatusJson;
  return s.up && s.demo && s.serviceAddress.holder === 'lab-a' ? s : undefined;
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(path.join(root, 'dist', 'cli.mjs')) || !existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  let status = labReady();
  let createdLab = false;
  if (!status) {
    const up = ferry(['lab', 'up']);
    if (up.code !== 0) throw new Error(`ferry lab up failed:\n${up.stdout}\n${up.stderr}`);
    createdLab = true;
    status = labReady();
    if (!status) throw new Error('the lab came up without the demo workload on lab-a');
  }
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ferry-e2e-state-'));
  // An Ansible inventory that puts the lab hosts in groups (the Hosts view filters by them).
  const invDir = mkdtempSync(path.join(os.tmpdir(), 'ferry-e2e-inventory-'));
  const ansible = path.join(invDir, 'ansible-hosts.ini');
  writeFileSync(ansible, '[sources]\nlab-a\n\n[targets]\nlab-b\n\n[lab:children]\nsources\ntargets\n');
  const inventory = [process.env.FERRY_INVENTORY, ansible].filter(Boolean).join(':');
  const child = spawn(process.execPath, [path.join(root, 'bin', 'ferry.mjs'), 'dashboard', '--port', '0', '--json'], {
    cwd: root,
    // HOME in the fresh folder: the dashboard probes every inventory host, so no ~/.ssh/config of this machine's.
    env: { ...process.env, FERRY_LAB: lab, FERRY_STATE_DIR: stateDir, HOME: stateDir, FERRY_INVENTORY: inventory },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    let text = '';
    rl.on('line', (l) => {
      text += l;
      try {
        JSON.parse(text);
        resolve(text);
      } catch {
        /* pretty JSON spans lines */
      }
    });
    child.once('exit', (code) => reject(new Error(`ferry dashboard exited (${code}) before printing its URL`)));
    setTimeout(() => reject(new Error('ferry dashboard did not print its URL within 30 s')), 30_000);
  });
  const { url, port } = JSON.parse(first) as { url: string; port: number };
  const run: E2eRun = { url, port, origin: `http://127.0.0.1:${port}`, lab, stateDir, demoPid: status.demo?.pid ?? 0 };
  writeFileSync(runStateFile(), JSON.stringify(run, null, 2));

  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(invDir, { recursive: true, force: true });
    rmSync(runStateFile(), { force: true });
    if (createdLab) ferry(['lab', 'down']);
  };
}
