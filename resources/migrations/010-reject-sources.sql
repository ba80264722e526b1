-- Every entry path (imports, vendor backfills, the live feed, retention) stores its rejects here:
-- the source that produced the row and, for binary files, the record's byte offset.
ALTER TABLE rejects ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE rejects ADD COLUMN byte_offset INTEGER;
