-- litebridge's own objects in PostgreSQL. Idempotent: run before every command that needs them.
CREATE SCHEMA IF NOT EXISTS litebridge;

-- One row per replicated SQLite file.
CREATE TABLE IF NOT EXISTS litebridge.sources (
  source_id            text PRIMARY KEY,
  sqlite_path          text NOT NULL,
  target_schema        text NOT NULL,
  -- 'copying' while a snapshot runs, 'done' after it: a failed snapshot's tables may be replaced.
  snapshot_state       text NOT NULL CHECK (snapshot_state IN ('copying', 'done')),
  -- N = max(changelog seq) read in the snapshot's transaction: changes <= N are in the snapshot.
  snapshot_seq         bigint,
  -- Last changelog seq applied (written in the same transaction as the data it covers).
  checkpoint_seq       bigint,
  snapshot_started_at  timestamptz NOT NULL DEFAULT now(),
  snapshot_finished_at timestamptz,
  -- SQLite table name -> PostgreSQL table name.
  tables               jsonb NOT NULL DEFAULT '{}'
);

-- Rows that PostgreSQL cannot hold, kept with their raw values when --on-bad-row=quarantine.
CREATE TABLE IF NOT EXISTS litebridge.rejects (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id   text NOT NULL,
  table_name  text NOT NULL,
  row_key     jsonb NOT NULL,
  column_name text,
  value       text,
  reason      text NOT NULL,
  raw_row     jsonb NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rejects_table ON litebridge.rejects (source_id, table_name);

-- The drift observer's latest findings per table (sync's rotating checksum; drift-report does not write here).
CREATE TABLE IF NOT EXISTS litebridge.drift (
  source_id      text NOT NULL,
  table_name     text NOT NULL,
  checked_at     timestamptz NOT NULL,
  -- Chunks compared since this table's rotation started, and how many differed.
  chunks_checked integer NOT NULL,
  chunks_total   integer NOT NULL,
  missing        integer NOT NULL,
  extra          integer NOT NULL,
  different      integer NOT NULL,
  in_flight      integer NOT NULL,
  -- Up to 20 differing keys, as the operator reads them.
  sample         jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (source_id, table_name)
);

-- Live sync progress, for `status` (added after the first release: upgrade existing databases).
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS applied_at    timestamptz; -- last batch committed
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS last_event_at timestamptz; -- capture time of its last event
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS last_error    text;        -- cleared by the next good batch
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS last_error_at timestamptz;

-- Cutover (added with cutover/rollback/finish: upgrade existing databases).
-- phase: 'forward' (SQLite → PostgreSQL), 'cutover' (PostgreSQL is the primary, reverse
-- replication keeps SQLite current), 'rolled-back' (forward again after a rollback), 'finished'.
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS phase text NOT NULL DEFAULT 'forward'
  CHECK (phase IN ('forward', 'cutover', 'rolled-back', 'finished'));
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS cutover_at  timestamptz; -- the switch committed
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS cutover_seq bigint;      -- changelog head at the fence
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS cutover_lsn pg_lsn;      -- reverse starts after it
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS fence_ms    integer;     -- fence up → locks released
-- Changelog seq of the cutover's drift check: sync prunes no changelog row after it, so the final
-- check inside the fence finds every key changed since (NULL: no hold).
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS verified_seq bigint;

-- The snapshot's progress per table, written every few seconds while it copies, so `status`
-- (another process) can say how far the first copy is: rows copied, rows at the snapshot point.
CREATE TABLE IF NOT EXISTS litebridge.snapshot_progress (
  source_id   text NOT NULL,
  table_name  text NOT NULL,
  rows_copied bigint NOT NULL,
  rows_total  bigint NOT NULL,
  started_at  timestamptz, -- the table's first rows were sent (NULL: waiting for a COPY stream)
  finished_at timestamptz, -- its last rows were copied (keys and indexes may still be building)
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (source_id, table_name)
);
