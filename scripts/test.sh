#!/usr/bin/env bash
# The whole test suite: formatting, the layering rule, lints, unit and integration tests on SQLite and on a
# throwaway PostgreSQL (with two server instances on one database), then the official Go SDK suite and the
# OpenAPI contract suites against the same release build of the server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null; then
  echo "test.sh: cargo is missing; install Rust with rustup (https://rustup.rs) first" >&2
  exit 1
fi

echo "== formatting"
cargo fmt --check

echo "== layering: http -> service -> auth, state, store -> domain; nothing imports upwards"
# forbid DIRS REGEX WHY: fails if any file under DIRS matches REGEX.
forbid() {
  if grep -rnE "$2" $1; then
    echo "test.sh: $3" >&2
    exit 1
  fi
}
forbid src/domain '\b(axum|sqlx|tower|tower_http)::|crate::(http|service|auth|state|store|cli|fixtures)\b' \
  "src/domain knows neither the web framework nor the database, nor any layer above it"
forbid src/auth '\b(axum|sqlx)::|crate::(http|service|state|store|cli|fixtures)\b' \
  "src/auth verifies credentials only: no framework, no storage, no layer above it"
forbid "src/store src/state" '\baxum::|crate::(http|service|auth|cli|fixtures)\b' \
  "src/store and src/state persist only"
forbid src/store 'crate::state\b' "src/store does not know the request state built on it"
forbid src/service '\b(axum|sqlx)::|crate::(http|cli|fixtures)\b' \
  "src/service knows neither HTTP nor SQL"
forbid src/http 'crate::(cli|fixtures)\b|\bsqlx::' "src/http reaches the store only through the service"

echo "== lints"
cargo clippy --release --locked --all-targets -- -D warnings

echo "== unit and integration tests on SQLite"
cargo test --release --locked --lib --bins --test api

echo "== integration, replica and schema tests on PostgreSQL"
scripts/with-postgres.sh cargo test --release --locked --test api --test replicas --test schema

# The binary the tests built, wherever cargo puts its output.
SERVER="${CARGO_TARGET_DIR:-target}/release/atlas-invites"

echo "== official Atlas Go SDK against the server"
conformance/go-sdk/run.sh "$SERVER"

echo "== OpenAPI contract (schemathesis): the official spec and the server's own"
conformance/spec/run.sh "$SERVER"
