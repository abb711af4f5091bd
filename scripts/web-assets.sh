#!/usr/bin/env bash
# Installs the documentation UIs (Swagger UI, ReDoc) from the npm registry into web/node_modules.
# Idempotent; served by the binary from local files, never from a CDN.
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.installed
fi
