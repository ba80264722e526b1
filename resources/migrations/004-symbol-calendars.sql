-- The exchange calendar of each symbol that is not a built-in instrument (set on import).
CREATE TABLE symbols (
  symbol   TEXT PRIMARY KEY,
  calendar TEXT NOT NULL
);
