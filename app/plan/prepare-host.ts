// `ferry hosts prepare`: whether Ferry's CRIU prefix can be pushed to a host, and what the host then needs.
import type { FerryErrorInfo } from '../errors';
import { splitSections } from '../parse/sections';

/** What the controller holds: its prefix's architecture, the parts it pushes, their size and checksum. */
export interface LocalPrefix {
  root: string;
  arch: string;
  /** Paths under root that are pushed (the wrapper and the CRIU build it runs). */
  parts: string[];
  sizeKiB: number;
  manifest: string;
}

/** What a host says about itself before anything is pushed (PREPARE_PROBE_SCRIPT). */
export interface RemoteFacts {
  arch: string;
  uid: number;
  /** The prefix's folder, or its nearest existing parent, accepts a new file. */
  writable: boolean;
  /** Which folder that was (the nearest existing one). */
  writableDir: string;
  freeKiB: number;
  /** Checksum of the parts already there (absent: not all of them are). */
  manifest?: string;
  runIsTmpfs: boolean;
  pipeMaxSize: number;
}

/** What to do: refuse (and why), or push (or not, when the same prefix is there) and then set these. */
export type PrepareDecision = { ok: false; problem: FerryErrorInfo } | { ok: true; copy: boolean; raisePipeMaxSize: boolean; notes: string[] };

/** Pipe size Ferry needs (lazy mode's page pipes); the same value the engine raises it to. */
export const PREPARE_PIPE_MAX_SIZE = 16 * 1024 * 1024;

/** Decides, from both sides' facts, whether and how the host can be prepared. */
export function prepareDecision(host: string, local: LocalPrefix, remote: RemoteFacts): PrepareDecision {
  const refuse = (message: string, hint: string, code: FerryErrorInfo['code'] = 'PREPARE_REFUSED'): PrepareDecision => ({
    ok: false,
    problem: { code, host, message, hint },
  });
  if (remote.arch !== local.arch) {
    return refuse(
      `${host} is ${remote.arch || 'of an unknown architecture'}, Ferry's CRIU prefix is built for ${local.arch}: its loader and libraries cannot run there`,
      `install CRIU >= 4.2 for ${remote.arch || 'that architecture'} on ${host} (e.g. scripts/install-criu.sh run on a ${remote.arch || 'matching'} machine)`,
    );
  }
  if (remote.uid !== 0) {
    return refuse(
      `Ferry logs in to ${host} as uid ${remote.uid}, not root: it cannot write ${local.root} or set kernel parameters`,
      'log in as root or allow passwordless sudo for this user',
      'NO_PRIVILEGES',
    );
  }
  if (!remote.writable) {
    return refuse(
      `${remote.writableDir} on ${host} is not writable (a read-only file system?): the prefix ${local.root} cannot be put there`,
      `make ${remote.writableDir} writable (or bind-mount a writable folder on ${local.root}), then prepare again`,
    );
  }
  const copy = remote.manifest !== local.manifest;
  // The unpacked copy sits beside the old one until it is checked: room for it once more, with a margin.
  if (copy && remote.freeKiB < local.sizeKiB * 1.1 + 1024) {
    return refuse(
      `${host} has ${Math.round(remote.freeKiB / 1024)} MiB free in ${remote.writableDir}, the prefix needs ${Math.round((local.sizeKiB * 1.1) / 1024 + 1)} MiB`,
      `free space in ${remote.writableDir}, then prepare again`,
    );
  }
  const notes: string[] = [];
  if (!copy) notes.push(`${local.root} on ${host} already holds this prefix (checksum ${local.manifest.slice(0, 12)}…): nothing copied`);
  if (!remote.runIsTmpfs)
    notes.push(
      `/run on ${host} is not a tmpfs: CRIU keeps its kernel-feature cache (/run/criu.kdat) only there, so every CRIU command re-probes the kernel (tens of ms)`,
    );
  return { ok: true, copy, raisePipeMaxSize: remote.pipeMaxSize < PREPARE_PIPE_MAX_SIZE, notes };
}

/** Reads PREPARE_PROBE_SCRIPT's output. */
export function parsePrepareProbe(text: string): RemoteFacts {
  const s = splitSections(text);
  const num = (k: string) => Number((s.get(k) ?? '').trim());
  const manifest = (s.get('manifest') ?? '').trim();
  const [writable = '', ...dir] = (s.get('writable') ?? '').trim().split(' ');
  return {
    arch: (s.get('arch') ?? '').trim(),
    uid: s.has('uid') ? num('uid') : -1,
    writable: writable === 'yes',
    writableDir: dir.join(' ') || '?',
    freeKiB: num('free') || 0,
    ...(/^[0-9a-f]{64}$/.test(manifest) ? { manifest } : {}),
    runIsTmpfs: (s.get('run') ?? '').trim() === 'tmpfs',
    pipeMaxSize: num('pipe') || 0,
  };
}
