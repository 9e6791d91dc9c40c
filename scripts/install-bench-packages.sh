#!/usr/bin/env bash
# Debian packages `make bench` uses beyond the test ones. Idempotent; a no-op when all are present.
set -euo pipefail
# kamailio is the stateful-proxy anchor the SIP worker is measured against
# (shared/bench/kamailio-proxy.cfg); sip-tester is SIPp, which drives both.
packages=(kamailio sip-tester)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  # The package's own service is not wanted: the bench starts kamailio itself on 127.0.0.1:5070.
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
