import { AdminApiError } from '../api/admin-client.js';
import type { ActionResult } from './types.js';

/** An error as words for the UI: the admin API's own message, or what went wrong in plain terms. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function failed(err: unknown): ActionResult {
  if (err instanceof AdminApiError) {
    return {
      ok: false,
      message: err.message,
      ...(err.field === undefined ? {} : { field: err.field }),
      issues: err.issues,
    };
  }
  return { ok: false, message: messageOf(err), issues: [] };
}

export const OK: ActionResult = { ok: true };
