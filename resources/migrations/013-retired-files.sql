-- Part files whose catalog rows are gone (a series deleted, months compacted, a build replaced)
-- but that a query which listed them a moment earlier may still be opening. The main process
-- deletes each once its grace after `retired_at` (epoch ms) has passed; a start removes the rest.
CREATE TABLE retired_files (
  path TEXT PRIMARY KEY,
  retired_at INTEGER NOT NULL
);
CREATE INDEX retired_files_at ON retired_files (retired_at);
