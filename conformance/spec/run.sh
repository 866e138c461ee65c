#!/usr/bin/env bash
# Contract tests with schemathesis against an atlas-invites server binary (see README.md in this folder).
#
#   conformance/spec/run.sh path/to/atlas-invites
#
# (a) the official Atlas spec (openapi/atlas/atlas-invites-v2.yaml, relative to the repository root), its 12
#     invitation and 15 MongoDB Cloud users operations, positive data only, with the documented differences of
#     README.md set aside;
# (b) the server's own contract as the binary serves it (GET /openapi.yaml), positive and negative data.
# Each run gets a fresh server and database with fixtures.yaml applied. Both runs check: no server errors, and status
# codes, content types, response bodies and response headers as documented. An all-401 run fails.
#
# Environment (all optional):
#   SPEC_MAX_EXAMPLES    test cases per operation and phase (default 100)
#   SPEC_SEED            seed (default 20260810)
#   SPEC_REPORT_DIR      where JUnit/HAR reports and server logs go (default target/conformance-spec)
#   ATLAS_PUBLIC_KEY / ATLAS_PRIVATE_KEY   override the fixture key (e.g. a wrong private key must fail both runs)
#   PYTHON               python3 used to create the virtualenv (default python3)
#   SPEC_OWN_FILE        diagnosis only: run (b) on this file instead of the served document (which is then not
#                        checked against openapi/atlas-invites.yaml)
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

if [[ $# -ne 1 ]]; then
  echo "usage: $0 path/to/atlas-invites" >&2
  exit 2
fi
if [[ ! -f "$1" || ! -x "$1" ]]; then
  echo "run.sh: '$1' is not an executable file" >&2
  exit 2
fi
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OFFICIAL_SPEC_REL=openapi/atlas/atlas-invites-v2.yaml
OFFICIAL_SPEC="$REPO/$OFFICIAL_SPEC_REL"
OWN_SPEC_FILE="$REPO/openapi/atlas-invites.yaml"
MAX_EXAMPLES="${SPEC_MAX_EXAMPLES:-100}"
SEED="${SPEC_SEED:-20260810}"
REPORT_DIR="${SPEC_REPORT_DIR:-$REPO/target/conformance-spec}"
VENV="$REPO/.venv-spec"

if [[ ! -f "$OFFICIAL_SPEC" ]]; then
  echo "run.sh: the official spec is missing: $OFFICIAL_SPEC_REL (from $REPO)" >&2
  exit 2
fi

# --- the pinned schemathesis, in a virtualenv of its own -----------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "== creating $VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
fi
if [[ "$("$VENV/bin/st" --version 2>/dev/null || true)" != *"version $SCHEMATHESIS_VERSION" ]]; then
  echo "== installing schemathesis==$SCHEMATHESIS_VERSION into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
ST="$VENV/bin/st"

# --- credentials: the Organization Owner key of fixtures.yaml ----------------------------------------------
read -r FIXTURE_PUBLIC FIXTURE_PRIVATE < <("$VENV/bin/python" -c '
import sys, yaml
key = next(k for k in yaml.safe_load(open(sys.argv[1]))["apiKeys"] if "ORG_OWNER" in k.get("orgRoles", []))
print(key["publicKey"], key["privateKey"])' "$HERE/fixtures.yaml")
export ATLAS_PUBLIC_KEY="${ATLAS_PUBLIC_KEY:-$FIXTURE_PUBLIC}"
export ATLAS_PRIVATE_KEY="${ATLAS_PRIVATE_KEY:-$FIXTURE_PRIVATE}"
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=hooks
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ next to hooks.py

# --- a fresh server per run ----------------------------------------------------------------------------------
WORK="$(mktemp -d)"
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$REPORT_DIR"

# Rate limits raised out of reach (when the binary has them: the invitation, the users and the failed-authentication
# limits), so no 429 masks a result; the 429s themselves are tests/api's business.
serve_options=()
serve_help="$("$BIN" serve --help 2>&1 || true)"
for option in --project-rate-limit=1000000/1000000 --org-rate-limit=1000000/1000000 \
  --project-users-rate-limit=1000000/1000000 --org-users-rate-limit=1000000/1000000 \
  --users-rate-limit=1000000/1000000 --failed-auth-per-minute=1000000; do
  if grep -q -- "${option%%=*}" <<<"$serve_help"; then serve_options+=("$option"); fi
done

BASE_URL=""
start_server() { # NAME
  local name="$1" out="$WORK/$1.out"
  : >"$out"
  "$BIN" serve --listen 127.0.0.1:0 --database-url "sqlite://$WORK/$name.db" --fixtures "$HERE/fixtures.yaml" \
    ${serve_options[@]+"${serve_options[@]}"} >"$out" 2>"$REPORT_DIR/$name-server.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    BASE_URL="$(sed -n 's/^listening on \(http:\/\/[^ ]*\).*/\1/p' "$out" || true)"
    [[ -n "$BASE_URL" ]] && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "run.sh: the server did not start; its output:" >&2
  cat "$out" "$REPORT_DIR/$name-server.log" >&2
  return 1
}

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
common_args=(
  --checks "$CHECKS"
  --phases examples,coverage,fuzzing,stateful
  --max-examples "$MAX_EXAMPLES"
  --seed "$SEED"
  --workers 1
  --generation-database none
  --request-timeout 10
  --no-color
)

# schemathesis writes caches into its working directory: keep them out of the repository.
cd "$WORK"
passed=0
failed=0
SECONDS=0

# --- (a) the official Atlas spec -----------------------------------------------------------------------------
echo "== (a) official Atlas spec $OFFICIAL_SPEC_REL: positive data, the 12 invitation and 15 users operations"
start_server official
status=0
rm -f "$REPORT_DIR/official.differences.txt"
SPEC_RUN=official SPEC_DIFFERENCES_LOG="$REPORT_DIR/official.differences.txt" \
  timeout 600 "$ST" --config-file "$HERE/official.toml" run "$OFFICIAL_SPEC" \
  --url "$BASE_URL" --include-path-regex '/(invites|users)' --mode positive "${common_args[@]}" \
  --report junit,har --report-junit-path "$REPORT_DIR/official.junit.xml" \
  --report-har-path "$REPORT_DIR/official.har" || status=$?
stop_server
if [[ -s "$REPORT_DIR/official.differences.txt" ]]; then
  echo "== (a) failures set aside as documented differences (README.md), by difference and operation:"
  sort "$REPORT_DIR/official.differences.txt" | uniq -c | sed 's/^/   /'
fi
if [[ $status -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "== (a) FAILED (exit $status)"; fi

# --- (b) the server's own contract, as served -----------------------------------------------------------------
echo "== (b) the server's own contract (GET /openapi.yaml): positive and negative data, 32 operations"
start_server own
status=0
OWN_LOCATION="$BASE_URL/openapi.yaml"
if [[ -n "${SPEC_OWN_FILE:-}" ]]; then
  OWN_LOCATION="$(cd "$REPO" && realpath "$SPEC_OWN_FILE")"
  echo "   (SPEC_OWN_FILE: using $OWN_LOCATION, not the served document)"
elif ! curl -fsS "$BASE_URL/openapi.yaml" -o "$WORK/served.yaml"; then
  echo "run.sh: GET $BASE_URL/openapi.yaml failed" >&2
  status=1
elif [[ ! -s "$WORK/served.yaml" ]]; then
  echo "run.sh: GET /openapi.yaml answered an empty document" >&2
  status=1
elif ! cmp -s "$WORK/served.yaml" "$OWN_SPEC_FILE"; then
  echo "run.sh: the binary serves a different document than openapi/atlas-invites.yaml (it embeds the file at" >&2
  echo "        build time): rebuild it" >&2
  status=1
fi
if [[ $status -eq 0 ]]; then
  SPEC_RUN=own timeout 900 "$ST" --config-file "$HERE/schemathesis.toml" run "$OWN_LOCATION" \
    --url "$BASE_URL" --mode all "${common_args[@]}" \
    --report junit,har --report-junit-path "$REPORT_DIR/own.junit.xml" \
    --report-har-path "$REPORT_DIR/own.har" || status=$?
fi
stop_server
if [[ $status -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "== (b) FAILED (exit $status)"; fi

echo "== reports and server logs: $REPORT_DIR (${SECONDS}s)"
echo "spec: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
