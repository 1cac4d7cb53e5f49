#!/usr/bin/env bash
# Installs what rlhf4j needs on Debian 12 (or another apt-based system), and only what is missing:
#   always          a JDK 17 or newer (openjdk-17-jdk-headless) and Maven (maven)
#   with --browser  Chromium and chromedriver (chromium, chromium-driver) at /usr/bin, which the labelling page's
#                   and the report's browser tests drive; ./test asks for them
#   with --peer     Debian's PyTorch (python3-torch) for the benchmark's PyTorch peer, with OpenBLAS
#                   (libopenblas0-pthread): without it Debian's torch runs on the reference BLAS, several times slower
# Safe to run again: with everything present it installs nothing and needs neither root nor the network.
# Uses sudo when not run as root. On a system without apt-get it names what is missing and exits 1.
set -euo pipefail

usage() { sed -n '2,9s/^# \{0,1\}//p' "$0"; }
browser=0
peer=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    --peer) peer=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup-debian.sh: unknown argument $arg (expected --browser or --peer)" >&2; exit 2 ;;
  esac
done

# A JDK, not just a runtime: Maven compiles. Any release from 17 on builds the project (--release 17).
jdk_ok() {
  command -v javac >/dev/null 2>&1 || return 1
  local major
  major="$(javac -version 2>&1 | sed -n 's/^javac \([0-9][0-9]*\).*/\1/p' | head -n 1)"
  [ -n "$major" ] && [ "$major" -ge 17 ]
}

need=()
jdk_ok || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ "$browser" = 1 ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
fi
if [ "$peer" = 1 ]; then
  /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || need+=(python3-torch)
  [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || need+=(libopenblas0-pthread)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-debian.sh: missing ${need[*]}, and this system has no apt-get to install them." >&2
  echo "  Install by hand: a JDK 17 or newer (javac on PATH), Maven 3.8 or newer (mvn on PATH)$([ "$browser" = 1 ] && echo ", Chromium at /usr/bin/chromium and chromedriver at /usr/bin/chromedriver")." >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup-debian.sh: installing ${need[*]} needs root, and sudo is not installed; rerun as root" >&2; exit 1; }
  sudo=(sudo)
fi

echo "setup-debian.sh: installing ${need[*]} ..." >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
# Debian's alternatives may leave an older JDK first on PATH; say so rather than fail later in Maven.
jdk_ok || { echo "setup-debian.sh: installed openjdk-17-jdk-headless, but javac on PATH is still not 17 or newer: $(javac -version 2>&1 | head -n 1)" >&2; exit 1; }
echo "setup-debian.sh: done" >&2
