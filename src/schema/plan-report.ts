/**
 * Renders the output of `litebridge plan`: per table and column, the SQLite declared type, the
 * PostgreSQL type, why, what the census counted (with, for each storage class found, whether the
 * codec keeps it or refuses it and the cast that would keep it) and what it warns about; then the
 * notes and the DDL. Plain text, readable in an 80–120 column terminal.
 */
import { classVerdicts, verdictText } from '../codec/index.js';
import type { KeyCollation, TargetSchema, TargetTable } from '../model/target-schema.js';
import type { TableCensus } from './census.js';
import { keyFoldIndex, targetKeyCollations } from './key-collation.js';
import { quoteIdent } from './quote.js';
import { affinityOf } from './type-rules.js';

const MARK = { info: ' ', warning: '!', error: '✗' } as const;

/** The plan as text. `census` is keyed by SQLite table name; tables missing from it print without counts. */
export function renderPlan(
  target: TargetSchema,
  census: ReadonlyMap<string, TableCensus>,
  ddl: string,
): string {
  const lines: string[] = [];
  for (const table of target.tables) lines.push(...renderTable(table, census.get(table.source)), '');
  if (target.notes.length > 0) {
    lines.push('Notes');
    for (const n of target.notes) {
      lines.push(
        `  ${MARK[n.level]} ${n.level.padEnd(7)} ${n.table}${n.column === undefined ? '' : '.' + n.column}: ${n.message}`,
      );
    }
    lines.push('');
  }
  lines.push('DDL', ddl.trimEnd(), '');
  return lines.join('\n');
}

/** ` COLLATE NOCASE` for a key column SQLite compares with NOCASE / RTRIM, else ''. */
function keyCollationLabel(collation: KeyCollation | undefined): string {
  return collation === undefined || collation === 'binary' ? '' : ` COLLATE ${collation.toUpperCase()}`;
}

/** ` (as SQLite compares it: unique index X on the folded value)` when such an index enforces the key. */
function keyFoldLabel(table: TargetTable): string {
  const index = keyFoldIndex(table);
  return index === undefined
    ? ''
    : ` (as SQLite compares it: unique index ${index.name} on the folded value)`;
}

function renderTable(table: TargetTable, census: TableCensus | undefined): string[] {
  const key =
    table.key.kind === 'rowid'
      ? `rowid (as ${table.primaryKey.join(', ')})`
      : `primary key (${table.primaryKey.map((c, i) => `${c}${keyCollationLabel(targetKeyCollations(table)[i])}`).join(', ')})${keyFoldLabel(table)}`;
  const flags = [
    table.withoutRowid ? 'WITHOUT ROWID' : '',
    table.autoincrement ? 'AUTOINCREMENT' : '',
    table.partitioning === null
      ? ''
      : `partitioned by ${table.partitioning.interval} on ${table.partitioning.column}`,
  ].filter((f) => f !== '');
  const rows = census === undefined ? '' : `, ${census.rows} rows`;
  const lines = [
    `${table.source} → ${table.schema}.${table.name}${rows}; key: ${key}${flags.length ? '; ' + flags.join(', ') : ''}`,
  ];
  if (census?.partitionRange)
    lines.push(
      `  partition column range: ${String(census.partitionRange.min)} … ${String(census.partitionRange.max)}`,
    );
  const nameWidth = Math.min(30, Math.max(...table.columns.map((c) => c.name.length)));
  const declWidth = Math.min(20, Math.max(4, ...table.columns.map((c) => c.declaredType.length)));
  for (const c of table.columns) {
    const decl = c.declaredType === '' ? '(none)' : c.declaredType;
    const attrs = [
      c.collation === null ? '' : `COLLATE ${quoteIdent(c.collation)}`,
      c.notNull ? 'NOT NULL' : '',
      c.identity ? 'identity' : '',
      c.default === null ? '' : `DEFAULT ${c.default}`,
    ]
      .filter((a) => a !== '')
      .join(' ');
    const renamed = c.source.kind === 'column' && c.source.name !== c.name ? ` (from ${c.source.name})` : '';
    lines.push(
      `  ${c.name.padEnd(nameWidth)}  ${decl.padEnd(declWidth)} → ${c.type}${attrs ? '  ' + attrs : ''}${renamed}`,
    );
    lines.push(`      ${c.reason}`);
    const col = census?.columns.find((x) => x.column === c.name);
    if (col !== undefined) {
      const keptAsGiven = affinityOf(c.declaredType) === 'BLOB' || /^\s*any\s*$/i.test(c.declaredType);
      const verdicts = classVerdicts(c, keptAsGiven);
      const counts = Object.entries(col.counts).filter(([, n]) => n > 0);
      lines.push(`      census: ${counts.map(([k, n]) => `${k} ${n}`).join(', ') || 'no rows'}`);
      for (const [k, n] of counts) {
        if (k !== 'null')
          lines.push(`        ${k} ${n}: ${verdictText(verdicts[k as keyof typeof verdicts])}`);
      }
      const numbers = col.counts.integer + col.counts.real;
      if (
        c.type === 'text' &&
        affinityOf(c.declaredType) === 'NUMERIC' &&
        numbers > 0 &&
        col.counts.text + col.counts.blob === 0
      ) {
        lines.push('        only numbers found: cast: numeric would make them numbers in PostgreSQL too');
      }
      for (const f of col.findings) lines.push(`    ${MARK[f.level]} ${f.message}`);
    }
  }
  for (const ix of table.indexes) {
    lines.push(
      `  index ${ix.name}${ix.name !== ix.source ? ` (from ${ix.source})` : ''}: ${ix.unique ? 'UNIQUE ' : ''}(${ix.parts.join(', ')})${ix.where === null ? '' : ` WHERE ${ix.where}`}`,
    );
  }
  for (const ck of table.checks) lines.push(`  check ${ck.name}: ${ck.expression}`);
  for (const fk of table.foreignKeys) {
    lines.push(
      `  foreign key ${fk.name}: (${fk.columns.join(', ')}) → ${fk.referencedTable} (${fk.referencedColumns.join(', ')})`,
    );
  }
  return lines;
}
