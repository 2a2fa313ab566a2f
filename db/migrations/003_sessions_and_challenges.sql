-- Sign-in challenges (their nonces) and member sessions for the portal. Shared by every replica, so a
-- challenge issued by one replica can be redeemed on another, and only once.

CREATE TABLE signin_nonces (
  nonce      text PRIMARY KEY CHECK (nonce ~ '^[0-9a-f]{32}$'),
  issued_at  timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- Set when redeemed; a used nonce is kept until it expires so a replay is told "already used".
  used_at    timestamptz
);

-- Clean-up deletes by expiry.
CREATE INDEX signin_nonces_expires_at_idx ON signin_nonces (expires_at);

CREATE TABLE member_sessions (
  -- SHA-256 of the random token in the member's cookie: a database leak gives no usable session.
  token_hash     text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  -- Not a foreign key: an eligible orchestrator may sign in before it has a member row.
  member_address text NOT NULL CHECK (member_address ~ '^0x[0-9a-f]{40}$'),
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);

CREATE INDEX member_sessions_member_address_idx ON member_sessions (member_address);
CREATE INDEX member_sessions_expires_at_idx ON member_sessions (expires_at);
