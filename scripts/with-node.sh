#!/usr/bin/env bash
# Runs one command with Node >= 22.12 first on PATH (see node-env.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
exec "$@"
