-- The active orchestrator set as the sync last wrote it, and requests per key, network and hour.
-- A member with source 'orchestrator' is one whose membership follows the active set (members.active_until
-- is NULL while its address is in the set, and the end of its grace period once it left).

CREATE TABLE orchestrators (
  address       text PRIMARY KEY CHECK (address ~ '^0x[0-9a-f]{40}$'),
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  in_set        boolean NOT NULL,
  -- When a sync found the address gone, and until when its members keep working. NULL while in the set.
  left_at       timestamptz,
  grace_until   timestamptz,
  CHECK (in_set = (left_at IS NULL) AND in_set = (grace_until IS NULL))
);

-- Counting the set (the stats gauges) reads only the rows in it.
CREATE INDEX orchestrators_in_set_idx ON orchestrators (address) WHERE in_set;

CREATE TABLE key_usage (
  key_id   bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  network  text NOT NULL CHECK (network IN ('l1', 'l2')),
  -- Start of the hour (UTC epoch-aligned) the requests were made in.
  hour     timestamptz NOT NULL CHECK (extract(epoch FROM hour)::bigint % 3600 = 0),
  requests bigint NOT NULL CHECK (requests > 0),
  PRIMARY KEY (key_id, network, hour)
);

-- Adoption over the last 24 h and the retention sweep read by hour across keys.
CREATE INDEX key_usage_hour_idx ON key_usage (hour);
