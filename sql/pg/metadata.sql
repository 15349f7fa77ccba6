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

-- Live sync progress, for `status` (added after the first release: upgrade existing databases).
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS applied_at    timestamptz; -- last batch committed
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS last_event_at timestamptz; -- capture time of its last event
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS last_error    text;        -- cleared by the next good batch
ALTER TABLE litebridge.sources ADD COLUMN IF NOT EXISTS last_error_at timestamptz;
