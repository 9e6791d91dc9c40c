#!/usr/bin/env bash
# Debian packages the tests and the main job use. Idempotent; a no-op when all are present.
set -euo pipefail
# sip-tester is SIPp, the peer in call tests.
packages=(openssl python3 make sip-tester)
# rtpengine-daemon is the media relay the worker anchors calls on; tests run it in userspace (--table=-1).
packages+=(rtpengine-daemon)
# redis-server holds the registrar's bindings, shared by all worker replicas; tests start their own on loopback.
packages+=(redis-server)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
command -v go >/dev/null || { echo "install-system-packages: Go is required to build kube-apiserver (the machine image provides it)" >&2; exit 1; }
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
