-- Token buckets shared by every replica: the sign-in limits and the unknown-key limit, per client IP (and one
-- bucket for everyone), so N replicas allow what one would, not N times as much. One row per limit and client,
-- written by one atomic upsert per request counted (gateway/src/store/rateBuckets.ts).
-- UNLOGGED: a bucket is worth nothing after a crash (it would refill within a minute anyway), so its writes skip
-- the WAL; PostgreSQL empties the table after a crash restart, which only gives every client a full bucket.

CREATE UNLOGGED TABLE rate_buckets (
  scope      text NOT NULL,
  client     text NOT NULL,
  tokens     double precision NOT NULL,
  -- Whether the last take was allowed: the upsert reports it through RETURNING.
  allowed    boolean NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (scope, client)
);

-- Clean-up deletes buckets idle long enough to be full again.
CREATE INDEX rate_buckets_updated_at_idx ON rate_buckets (updated_at);
