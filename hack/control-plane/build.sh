#!/usr/bin/env bash
# Builds the pinned kube-apiserver, kube-controller-manager and etcd from Go modules with the
# machine's Go (the envtest approach, minus the download of prebuilt binaries we cannot fetch here)
# and caches them outside git. Prints the directory holding them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# The pin sits inside go.mod's require block; an empty version would name the cache `k8s-` and
# keep serving stale binaries after the pin moved.
version=$(awk '$1 == "k8s.io/kubernetes" { print $2 } $1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$here/go.mod")
[ -n "$version" ] || { echo "control-plane: no k8s.io/kubernetes version in $here/go.mod" >&2; exit 1; }
out="${SWITCHYARD_KUBE_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/k8s-$version}"
mkdir -p "$out"
cd "$here"
build() { # name package
  if [ ! -x "$out/$1" ]; then
    echo "control-plane: building $1 $version (first time only, a few minutes on 2 cores)" >&2
    go build -trimpath -ldflags="-s -w" -o "$out/$1.tmp" "$2" >&2
    mv "$out/$1.tmp" "$out/$1"
  fi
}
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
build etcd ./cmd/etcd
echo "$out"
