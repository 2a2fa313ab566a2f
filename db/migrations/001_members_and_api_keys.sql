-- Members (who may hold keys) and their API keys. Only a key's SHA-256 hash is stored, never the key.

CREATE TABLE members (
  -- Ethereum address, lower-case so one address is one member whatever checksum casing it came in.
  address       text PRIMARY KEY CHECK (address ~ '^0x[0-9a-f]{40}$'),
  label         text CHECK (char_length(label) <= 200),
  -- How membership was granted: by the operator, or (later) by being in the Livepeer active set.
  source        text NOT NULL CHECK (source IN ('operator', 'orchestrator')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- Orchestrator membership: when first and last seen in the active set. NULL for operator grants.
  first_seen_at timestamptz,
  last_seen_at  timestamptz,
  -- Membership ends after this time (last seen + grace period); NULL means it does not expire.
  active_until  timestamptz
);

CREATE TABLE api_keys (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key_hash       text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  -- The key's first characters, to recognise it in a list; too short to be useful to anyone else.
  prefix         text NOT NULL CHECK (char_length(prefix) BETWEEN 4 AND 16),
  member_address text NOT NULL REFERENCES members (address) ON UPDATE CASCADE,
  label          text CHECK (char_length(label) <= 200),
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz,
  last_used_at   timestamptz
);

CREATE INDEX api_keys_member_address_idx ON api_keys (member_address);
CREATE INDEX api_keys_prefix_idx ON api_keys (prefix text_pattern_ops);
