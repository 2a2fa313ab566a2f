#!/bin/sh
# Starts the test environment: the production stack with Anvil nodes. Extra arguments go to "up".
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
exec docker compose --env-file "$root/compose/test/test.env" \
  -f "$root/compose/docker-compose.yml" -f "$root/compose/test/docker-compose.yml" up -d --build "$@"
