// Records and logs written by the controller never contain registered secrets or tokens.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MigrationRecord } from '../../app/model/migration';
import { forgetSecret, REDACTED, registerSecret } from '../../app/redact';
import { loadRecord, saveLog, saveRecord } from './record-store';

const SUDO = 'correct-horse-battery';

describe('record store redaction', () => {
  let dir: string;
  const before = process.env.FERRY_STATE_DIR;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-state-'));
    process.env.FERRY_STATE_DIR = dir;
    registerSecret(SUDO);
  });
  afterEach(() => {
    forgetSecret(SUDO);
    if (before === undefined) delete process.env.FERRY_STATE_DIR;
    else process.env.FERRY_STATE_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  });

  it('saveRecord and saveLog write redacted text', () => {
    const record: MigrationRecord = {
      id: 'm-redact',
      request: { from: 'lab-a', to: 'lab-b', pid: 42, addresses: [], budgetMs: 60000, keepImages: false },
      startedAt: 1,
      outcome: 'failed',
      steps: [],
      connections: [],
      logs: {},
      warnings: [`dashboard http://127.0.0.1:7411/?token=abcdef0123`],
      error: { code: 'NO_PRIVILEGES', message: `sudo refused password ${SUDO}` },
    };
    const out = saveRecord(record);
    const text = readFileSync(path.join(out, 'record.json'), 'utf8');
    expect(text).not.toContain(SUDO);
    expect(text).not.toContain('abcdef0123');
    expect(loadRecord('m-redact')?.error?.message).toBe(`sudo refused password ${REDACTED}`);
    expect(record.error?.message).toContain(SUDO);
    const log = saveLog('m-redact', 'dump.log', `(00.1) exec with --password=${SUDO}\n(00.2) done\n`);
    expect(readFileSync(log, 'utf8')).toBe(`(00.1) exec with --password=${REDACTED}\n(00.2) done\n`);
  });
});
