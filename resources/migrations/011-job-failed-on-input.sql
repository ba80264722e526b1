-- A job that failed on its input (a bad file, an unknown zone, a missing column) fails the same way
-- when resumed: it is marked, so it is offered Edit & retry instead of Resume.
ALTER TABLE jobs ADD COLUMN failed_on_input INTEGER NOT NULL DEFAULT 0;
