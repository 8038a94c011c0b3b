// Error codes and the error value that crosses every boundary (CLI, bridge, IPC).

export const ERROR_CODES = [
  'BAD_INPUT',
  'UNKNOWN_HOST',
  'HOST_UNREACHABLE',
  'SSH_AUTH',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_MISMATCH',
  'NO_PRIVILEGES',
  'COMMAND_FAILED',
  'TIMEOUT',
  'NO_SUCH_PROCESS',
  'CRIU_MISSING',
  'TOOL_MISSING',
  'BUSY',
  'CRIU_TOO_OLD',
  'CRIU_CHECK_FAILED',
  'CRIU_DUMP_FAILED',
  'CRIU_RESTORE_FAILED',
  'PID_TAKEN',
  'ADDRESS_IS_MANAGEMENT',
  'ADDRESS_CONFLICT',
  'ADDRESS_NOT_LOCAL',
  'ADDRESS_MOVE_FAILED',
  'ADDRESS_HOOK_FAILED',
  'TRANSFER_FAILED',
  'VERIFY_FAILED',
  'CANCELLED',
  'CANCEL_REFUSED',
  'PREPARE_REFUSED',
  'NOT_MOVABLE',
  'LAB',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Plain error value: safe to serialize. */
export interface FerryErrorInfo {
  code: ErrorCode;
  message: string;
  host?: string;
  /** What the operator can do about it. */
  hint?: string;
}

/** Error thrown inside a process; converted to FerryErrorInfo at every boundary. */
export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly host?: string;
  readonly hint?: string;
  constructor(info: FerryErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.name = 'FerryError';
    this.code = info.code;
    if (info.host !== undefined) this.host = info.host;
    if (info.hint !== undefined) this.hint = info.hint;
  }
  toInfo(): FerryErrorInfo {
    const out: FerryErrorInfo = { code: this.code, message: this.message };
    if (this.host !== undefined) out.host = this.host;
    if (this.hint !== undefined) out.hint = this.hint;
    return out;
  }
}

/** Converts anything thrown into a FerryErrorInfo. */
export function toErrorInfo(err: unknown): FerryErrorInfo {
  if (err instanceof FerryError) return err.toInfo();
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message };
  return { code: 'INTERNAL', message: String(err) };
}
