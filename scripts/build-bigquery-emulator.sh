#!/usr/bin/env bash
# Build github.com/goccy/bigquery-emulator once into a cached folder so the
# BigQuery integration tests of pipeline/warehouse can run against it.
#
#   scripts/build-bigquery-emulator.sh            # builds .cache/bigquery-emulator
#   BQEMU_BIN=/path/to/bin scripts/build-...sh    # another destination
#
# The emulator embeds ZetaSQL through cgo and needs clang (installed with
# apt-get when missing). The first build takes about 20 minutes on 2 cores and
# gives a ~150 MB binary serving REST on --port and the Storage API on
# --grpc-port. It is built in a throw-away module outside the repository so
# the project's go.mod is left alone. Idempotent: exits at once when the
# binary is already there.
set -euo pipefail

VERSION="${BQEMU_VERSION:-v0.6.6}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BQEMU_BIN:-$ROOT/.cache/bigquery-emulator}"
WORK="${BQEMU_WORKDIR:-${TMPDIR:-/tmp}/bqemu-build}"

if [ -x "$BIN" ]; then
  echo "bigquery-emulator: $BIN already built"
  exit 0
fi

if ! command -v clang >/dev/null 2>&1 || ! command -v clang++ >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "bigquery-emulator: installing clang"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang >/dev/null
fi

mkdir -p "$WORK" "$(dirname "$BIN")"
cd "$WORK"
if [ ! -f go.mod ]; then
  # GOFLAGS from the project's Makefile (duckdb tags) mean nothing here.
  GOFLAGS= go mod init bqemu >/dev/null 2>&1
fi
GOFLAGS= go get "github.com/goccy/bigquery-emulator/cmd/bigquery-emulator@${VERSION}"

echo "bigquery-emulator: building ${VERSION} (ZetaSQL through cgo; ~20 min the first time)"
start=$(date +%s)
tmp="$BIN.tmp.$$"
GOFLAGS=-buildvcs=false CC=clang CXX=clang++ CGO_ENABLED=1 \
  nice -n 10 go build -o "$tmp" github.com/goccy/bigquery-emulator/cmd/bigquery-emulator
mv "$tmp" "$BIN"
echo "bigquery-emulator: built $BIN in $(( $(date +%s) - start ))s"
