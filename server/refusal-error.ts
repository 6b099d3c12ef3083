import type { ConfigIssue } from './config/validate.js';

/**
 * An operation of the sandbox that refused: `reason` is the code its caller maps to an answer of its own (the
 * admin API a status, the EHR page a sentence), `issues` the fields at fault when there are any. Generic over
 * the reason union, so each operation declares only its reasons and a caller's `switch` over them is checked.
 */
export class RefusalError<Reason extends string> extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(message);
  }
}
