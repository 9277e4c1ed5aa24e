#!/usr/bin/env bash
# Vendor axe-core (pinned) from the npm registry into tests/e2e/vendor/ (git-ignored), for the
# accessibility test. Used by .ci/run and, when the file is missing, by the test itself.
set -euo pipefail
AXE_VERSION="${1:-4.14.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/tests/e2e/vendor"
if head -c 100 "$target/axe.min.js" 2>/dev/null | grep -q "axe v${AXE_VERSION}"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq npm >/dev/null
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@${AXE_VERSION}" >/dev/null && tar xzf "axe-core-${AXE_VERSION}.tgz")
mkdir -p "$target"
cp "$tmp/package/axe.min.js" "$target/axe.min.js"
cp "$tmp/package/LICENSE" "$target/axe-LICENSE"
