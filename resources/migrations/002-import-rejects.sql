-- Imports: every rejected row is kept with its file, line, raw text and reason.
ALTER TABLE ingest_runs ADD COLUMN input_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ingest_runs ADD COLUMN rejected_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ingest_runs ADD COLUMN files TEXT;

CREATE TABLE rejects (
  id      INTEGER PRIMARY KEY,
  run_id  TEXT NOT NULL,
  file    TEXT NOT NULL,
  line    INTEGER NOT NULL,
  raw     TEXT NOT NULL,
  reason  TEXT NOT NULL
);
CREATE INDEX rejects_run ON rejects (run_id, file, line);
