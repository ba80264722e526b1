-- The roll table: which contract was front in each session of a futures root, as the last
-- continuous build chose it (volume dominance) or as the demo source declares it. Options and
-- other per-contract data are filtered by it, so that no session mixes contracts.
CREATE TABLE front_contracts (
  root TEXT NOT NULL,
  date TEXT NOT NULL,
  contract TEXT NOT NULL,
  source TEXT NOT NULL,
  PRIMARY KEY (root, date)
);
