/**
 * Reads what the PRAGMAs do not tell out of a CREATE TABLE / CREATE INDEX statement:
 * CHECK constraints (with names), generated-column expressions, collations, AUTOINCREMENT,
 * DEFERRABLE foreign keys, and the expression parts and WHERE clause of an index.
 */
import type { SourceCheck } from '../model/source-schema.js';
import {
  closingParen,
  isPunct,
  isWord,
  nameOf,
  sliceSql,
  splitTopLevel,
  type Token,
  tokenize,
} from './sql-tokens.js';

/** What the CREATE TABLE text says about one column. */
export interface ParsedColumn {
  readonly name: string;
  readonly collation: string | null;
  readonly generated: { readonly expression: string; readonly stored: boolean } | null;
}

/** A REFERENCES clause, column- or table-level, in declaration order. */
export interface ParsedForeignKey {
  readonly columns: readonly string[];
  readonly table: string;
  readonly deferred: boolean;
}

/** The parts of a CREATE TABLE statement that introspection needs. */
export interface ParsedTable {
  readonly columns: readonly ParsedColumn[];
  readonly checks: readonly SourceCheck[];
  readonly foreignKeys: readonly ParsedForeignKey[];
  readonly autoincrement: boolean;
}

const TABLE_CONSTRAINT = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];

/** Parses a CREATE TABLE statement (as stored in sqlite_schema). Throws SyntaxError when it cannot. */
export function parseCreateTable(sql: string): ParsedTable {
  const tokens = tokenize(sql);
  const open = tokens.findIndex((t) => isPunct(t, '('));
  if (open < 0) throw new SyntaxError('no column list');
  const close = closingParen(tokens, open);
  const columns: ParsedColumn[] = [];
  const checks: SourceCheck[] = [];
  const foreignKeys: ParsedForeignKey[] = [];
  let autoincrement = false;
  for (const [from, to] of splitTopLevel(tokens, open + 1, close)) {
    if (tokens.slice(from, to).some((t) => isWord(t, 'AUTOINCREMENT'))) autoincrement = true;
    if (isWord(tokens[from], ...TABLE_CONSTRAINT)) {
      parseTableConstraint(sql, tokens, from, to, checks, foreignKeys);
    } else {
      columns.push(parseColumn(sql, tokens, from, to, checks, foreignKeys));
    }
  }
  return { columns, checks, foreignKeys, autoincrement };
}

function parseColumn(
  sql: string,
  tokens: readonly Token[],
  from: number,
  to: number,
  checks: SourceCheck[],
  foreignKeys: ParsedForeignKey[],
): ParsedColumn {
  const name = nameOf(tokens[from]);
  if (name === undefined) throw new SyntaxError(`cannot read a column name at offset ${tokens[from]?.start}`);
  let collation: string | null = null;
  let generated: ParsedColumn['generated'] = null;
  let constraintName: string | null = null;
  for (let i = from + 1; i < to; i++) {
    const t = tokens[i];
    if (isWord(t, 'CONSTRAINT')) {
      constraintName = nameOf(tokens[i + 1]) ?? null;
      i++;
    } else if (isWord(t, 'CHECK') && isPunct(tokens[i + 1], '(')) {
      const end = closingParen(tokens, i + 1);
      checks.push({ name: constraintName, expression: sliceSql(sql, tokens, i + 2, end) });
      constraintName = null;
      i = end;
    } else if (isWord(t, 'COLLATE')) {
      collation = nameOf(tokens[i + 1]) ?? null;
      i++;
    } else if (isWord(t, 'AS') && isPunct(tokens[i + 1], '(')) {
      const end = closingParen(tokens, i + 1);
      const stored = isWord(tokens[end + 1], 'STORED');
      generated = { expression: sliceSql(sql, tokens, i + 2, end), stored };
      i = end;
    } else if (isWord(t, 'REFERENCES')) {
      const end = referencesEnd(tokens, i, to);
      foreignKeys.push({
        columns: [name],
        table: nameOf(tokens[i + 1]) ?? '',
        deferred: isDeferred(tokens, i, end),
      });
      i = end - 1;
    } else if (isPunct(t, '(')) {
      i = closingParen(tokens, i);
    } else if (t !== undefined && t.kind === 'word' && !isWord(t, 'NOT', 'NULL')) {
      constraintName = isWord(t, 'PRIMARY', 'UNIQUE', 'DEFAULT') ? null : constraintName;
    }
  }
  return { name, collation, generated };
}

function parseTableConstraint(
  sql: string,
  tokens: readonly Token[],
  from: number,
  to: number,
  checks: SourceCheck[],
  foreignKeys: ParsedForeignKey[],
): void {
  let i = from;
  let name: string | null = null;
  if (isWord(tokens[i], 'CONSTRAINT')) {
    name = nameOf(tokens[i + 1]) ?? null;
    i += 2;
  }
  if (isWord(tokens[i], 'CHECK') && isPunct(tokens[i + 1], '(')) {
    const end = closingParen(tokens, i + 1);
    checks.push({ name, expression: sliceSql(sql, tokens, i + 2, end) });
  } else if (isWord(tokens[i], 'FOREIGN') && isPunct(tokens[i + 2], '(')) {
    const end = closingParen(tokens, i + 2);
    const columns = splitTopLevel(tokens, i + 3, end).map(([a]) => nameOf(tokens[a]) ?? '');
    const ref = tokens.findIndex((t, k) => k > end && k < to && isWord(t, 'REFERENCES'));
    if (ref < 0) return;
    foreignKeys.push({
      columns,
      table: nameOf(tokens[ref + 1]) ?? '',
      deferred: isDeferred(tokens, ref, to),
    });
  }
}

/** End (exclusive) of a REFERENCES clause: the next column constraint keyword, or `to`. */
function referencesEnd(tokens: readonly Token[], ref: number, to: number): number {
  for (let i = ref + 2; i < to; i++) {
    if (isPunct(tokens[i], '(')) i = closingParen(tokens, i);
    else if (
      isWord(
        tokens[i],
        'CONSTRAINT',
        'CHECK',
        'PRIMARY',
        'UNIQUE',
        'DEFAULT',
        'COLLATE',
        'REFERENCES',
        'AS',
        'GENERATED',
      )
    )
      return i;
  }
  return to;
}

function isDeferred(tokens: readonly Token[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (
      isWord(tokens[i], 'DEFERRABLE') &&
      !isWord(tokens[i - 1], 'NOT') &&
      isWord(tokens[i + 1], 'INITIALLY') &&
      isWord(tokens[i + 2], 'DEFERRED')
    )
      return true;
  }
  return false;
}

/** One key part of a CREATE INDEX statement: its text without trailing COLLATE / ASC / DESC. */
export interface ParsedIndexPart {
  readonly text: string;
}

/** The key parts and WHERE clause of a CREATE INDEX statement. */
export interface ParsedIndex {
  readonly parts: readonly ParsedIndexPart[];
  readonly where: string | null;
}

/** Parses a CREATE [UNIQUE] INDEX statement. Throws SyntaxError when it cannot. */
export function parseCreateIndex(sql: string): ParsedIndex {
  const tokens = tokenize(sql);
  const on = tokens.findIndex((t) => isWord(t, 'ON'));
  const open = tokens.findIndex((t, k) => k > on && isPunct(t, '('));
  if (on < 0 || open < 0) throw new SyntaxError('no key list');
  const close = closingParen(tokens, open);
  const parts = splitTopLevel(tokens, open + 1, close).map(([a, b]) => {
    let end = b;
    if (isWord(tokens[end - 1], 'ASC', 'DESC')) end--;
    if (end - 2 > a && isWord(tokens[end - 2], 'COLLATE')) end -= 2;
    return { text: sliceSql(sql, tokens, a, end) };
  });
  const where = isWord(tokens[close + 1], 'WHERE') ? sliceSql(sql, tokens, close + 2, tokens.length) : null;
  return { parts, where: where?.replace(/;\s*$/, '') ?? null };
}
