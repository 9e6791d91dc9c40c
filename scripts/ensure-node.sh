#!/usr/bin/env bash
# Prints a directory holding a Node.js 24+ `node`, installing Node 24 from the npm registry into
# .switchyard/toolchain when the machine's node is older. Callers prepend it to PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if command -v node >/dev/null && [ "$(major node)" -ge 24 ]; then
  dirname "$(command -v node)"
  exit 0
fi
prefix="$root/.switchyard/toolchain"
bin="$prefix/node_modules/node/bin"
if [ ! -x "$bin/node" ] || [ "$(major "$bin/node")" -lt 24 ]; then
  echo "ensure-node: machine node is $(node --version 2>/dev/null || echo absent); installing node@24 into $prefix" >&2
  mkdir -p "$prefix"
  npm install --no-save --no-package-lock --prefix "$prefix" node@24 >&2
fi
echo "$bin"
