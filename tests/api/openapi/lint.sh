#!/usr/bin/env bash
# Lints an OpenAPI document with the Redocly CLI pinned in this folder's
# package-lock.json, with Redocly's recommended rules. Fails on any error (and
# when the linter is not installed); warnings are printed but pass.
#   lint.sh DOCUMENT
set -euo pipefail

doc="$(realpath "${1:?usage: lint.sh DOCUMENT}")"
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

pinned="$(node -p "require('./package.json').devDependencies['@redocly/cli']" 2>/dev/null || true)"
installed="$(node -p "require('./node_modules/@redocly/cli/package.json').version" 2>/dev/null || true)"
if [ -z "$pinned" ] || [ "$installed" != "$pinned" ]; then
  echo "openapi lint: @redocly/cli ${pinned:-?} is not installed in $here/node_modules" \
       "(found: ${installed:-none}); run deploy/install-deps.sh" >&2
  exit 1
fi

# A test neither reports usage to Redocly nor checks for updates.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true REDOCLY_SUPPRESS_NOTIFICATIONS=true
# --extends: the recommended rules even if a redocly.yaml is ever found on the
# way up; --no-install: never fetch anything at test time.
exec npx --no-install redocly lint --format=stylish --extends=recommended "$doc"
