#!/usr/bin/env bash
# Builds the pinned kube-apiserver, kube-controller-manager and etcd from Go modules with the
# machine's Go (the envtest approach, minus the download of prebuilt binaries we cannot fetch here)
# and caches them outside git. Prints the directory holding them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/go.mod")
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
