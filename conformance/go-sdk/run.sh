#!/usr/bin/env bash
# Runs the Go SDK conformance suite against an atlas-invites server binary.
#
#   conformance/go-sdk/run.sh path/to/atlas-invites
#
# Environment:
#   GO                  go command to use (default: go on PATH, else /usr/local/go/bin/go)
#   CONFORMANCE_VERBOSE set to 1 to run `go test -v`
#   ATLAS_SDK_DEBUG     set to 1 to make the SDK log every request and response
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 path/to/atlas-invites" >&2
  exit 2
fi
if [[ ! -f "$1" || ! -x "$1" ]]; then
  echo "run.sh: '$1' is not an executable file" >&2
  exit 2
fi
ATLAS_INVITES_BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
export ATLAS_INVITES_BIN

GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
cd "$(dirname "${BASH_SOURCE[0]}")"

"$GO" mod download
args=(-count=1)
if [[ "${CONFORMANCE_VERBOSE:-0}" == 1 ]]; then
  args+=(-v)
fi
exec "$GO" test "${args[@]}" ./...
