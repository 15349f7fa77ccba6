import { BridgeError } from '../errors.js';
import type { SqlValue } from '../model/sql-value.js';
import { CodecError } from './codec-error.js';
import { copyEscapingOf, type Encoder } from './encoder.js';

/** Any character COPY's text format must escape. */
const SPECIAL = /[\\\n\r\t]/;
/** The same, for replacing every one. */
const SPECIALS = /[\\\n\r\t]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One field of PostgreSQL's COPY text format: `\N` for NULL; otherwise the text with backslash,
 * newline, carriage return and tab escaped (`\\`, `\n`, `\r`, `\t`). Text without any of them is
 * returned as it is, without copying.
 */
export function copyField(text: string | null): string {
  if (text === null) return '\\N';
  if (!SPECIAL.test(text)) return text;
  let out = '';
  let from = 0;
  SPECIALS.lastIndex = 0;
  for (let m = SPECIALS.exec(text); m !== null; m = SPECIALS.exec(text)) {
    out += text.slice(from, m.index) + ESCAPES[m[0]];
    from = m.index + 1;
  }
  return out + text.slice(from);
}

/**
 * Builds the function that turns one SQLite row (values in target column order) into one COPY
 * text line, fields separated by tabs, ending in `\n`. Values past the last encoder (the
 * reader's page key) are ignored. Fields are escaped as `copyField` does,
 * skipping the scan for encoders that declared they need none (see `withCopyEscaping`). A CodecError from an encoder already names
 * its column and is rethrown as it is; anything else is wrapped as INTERNAL with the column's
 * position and, when `columns` is given, its name.
 */
export function copyRowEncoder(
  encoders: readonly Encoder[],
  columns?: readonly string[],
): (row: readonly SqlValue[]) => string {
  const n = encoders.length;
  const list = encoders.slice();
  // 0: scan for special characters, 1: nothing to escape, 2: bytea (double the leading backslash).
  const modes = list.map((encoder) => ['scan', 'none', 'bytea'].indexOf(copyEscapingOf(encoder)));
  const describe = (i: number): string =>
    columns?.[i] === undefined ? `column #${i + 1}` : `column #${i + 1} "${columns[i]}"`;
  return (row: readonly SqlValue[]): string => {
    if (row.length < n) {
      throw new BridgeError('INTERNAL', `COPY row has ${row.length} values for ${n} columns`);
    }
    let line = '';
    for (let i = 0; i < n; i++) {
      let text: string | null;
      try {
        text = list[i]!(row[i] as SqlValue);
      } catch (error) {
        if (error instanceof CodecError) throw error;
        throw new BridgeError('INTERNAL', `encoding ${describe(i)} failed: ${(error as Error).message}`, {
          cause: error,
          details: { columnIndex: i, column: columns?.[i] },
        });
      }
      const mode = modes[i];
      const field = text === null ? '\\N' : mode === 1 ? text : mode === 2 ? '\\' + text : copyField(text);
      line += i === 0 ? field : '\t' + field;
    }
    return line + '\n';
  };
}
