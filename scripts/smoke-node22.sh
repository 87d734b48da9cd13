#!/usr/bin/env bash
# Smoke suite on Node-RED 5 under Node.js 22 (test/smoke/node22.smoke.ts): every node loads, every
# example that needs no outside service deploys, a detection passes through a real Mosquitto.
#
# Node 22 (npm's `node` package) and Node-RED 5 are installed apart from the project, in
# LPR_SMOKE_DIR (default: a folder under the system temp dir, reused while it holds both), never
# into the project's node_modules. Needs dist/ (npm run build) and the project's dev dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${LPR_SMOKE_DIR:-${TMPDIR:-/tmp}/lpr-smoke-node22}"
node22="$dir/node/node_modules/node/bin/node"
red_js="$dir/red/node_modules/node-red/red.js"

if [ ! -x "$node22" ]; then
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$dir/node" node@22
fi
if [ ! -f "$red_js" ]; then
  # With Node 22 first on the PATH, so that npm checks Node-RED 5's engines against it.
  PATH="$(dirname "$node22"):$PATH" npm install --no-save --no-audit --no-fund --no-package-lock --omit=dev --prefix "$dir/red" node-red@5
fi
echo "smoke: Node $("$node22" --version), Node-RED $("$node22" -p "require('$dir/red/node_modules/node-red/package.json').version")"

[ -f dist/lpr-broker.js ] || npm run build
LPR_SMOKE_RED_JS="$red_js" "$node22" node_modules/mocha/bin/mocha.js --no-config -n import=tsx --timeout 60000 --exit test/smoke/node22.smoke.ts
