/**
 * What litebridge's exit status means, the same for every command. The kind of error (bad
 * arguments, source, target, data…) is printed with the message and in `--json` as `code`.
 */
export const EXIT = Object.freeze({
  /** The command did what was asked; for verify: both sides are equal. */
  OK: 0,
  /** verify / drift-report: the two sides differ. */
  DIFFERENT: 1,
  /** An error: nothing was concluded (see the printed code and hint). */
  ERROR: 2,
  /** status --wait-synced: the timeout passed before the source was caught up. */
  TIMEOUT: 3,
});
