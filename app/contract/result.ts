// The value every request returns across the wire: never a thrown error.
import type { FerryErrorInfo } from '../errors';

/** `{ok: true, value}` or `{ok: false, error}`. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: FerryErrorInfo };

/** A successful result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** A failed result. */
export function fail<T = never>(error: FerryErrorInfo): Result<T> {
  return { ok: false, error };
}
