/** Whether a SQLite file's write lock is held, seen from outside (benches and fault tests). */
import Database from 'better-sqlite3';

/**
 * Whether some connection holds the file's write lock (a writer inside its transaction): a probe
 * connection that does not wait tries BEGIN IMMEDIATE and rolls back at once.
 */
export function writeLocked(sqlitePath: string): boolean {
  const probe = new Database(sqlitePath, { timeout: 0, fileMustExist: true });
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    probe.close();
  }
}
