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

echo "== layering: src/domain imports neither the web framework nor the database"
if grep -rnE '\b(axum|sqlx|tower|tower_http)::' src/domain; then
  echo "test.sh: src/domain must not depend on axum, sqlx or tower" >&2
  exit 1
fi

echo "== lints"
cargo clippy --release --locked --all-targets -- -D warnings

echo "== unit and integration tests on SQLite"
cargo test --release --locked --lib --bins --test api

echo "== integration and replica tests on PostgreSQL"
scripts/with-postgres.sh cargo test --release --locked --test api --test replicas

echo "== official Atlas Go SDK against the server"
conformance/go-sdk/run.sh target/release/atlas-invites

echo "== OpenAPI contract (schemathesis): the official spec and the server's own"
conformance/spec/run.sh target/release/atlas-invites
