#!/usr/bin/env bash
# The whole test suite: formatting, the layering rule, lints, unit and integration tests, then the official
# Go SDK suite against the same release build of the server.
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

echo "== unit and integration tests"
cargo test --release --locked

echo "== official Atlas Go SDK against the server"
conformance/go-sdk/run.sh target/release/atlas-invites

