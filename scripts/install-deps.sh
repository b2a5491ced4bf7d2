#!/usr/bin/env bash
# Installs what Spread needs to build and test on Debian bookworm, from Debian's packages
# (and, for the browser and Node client tests, npm). Idempotent: installs only what is
# missing. Run as root.
#   --with-test-clients   also the Python, Node and browser clients of the e2e tests
#   --with-fuzzers        also clang and libFuzzer, for scripts/fuzz
set -euo pipefail

test_clients=0
fuzzers=0
for option in "$@"; do
  case "$option" in
    --with-test-clients) test_clients=1 ;;
    --with-fuzzers) fuzzers=1 ;;
    *) echo "install-deps: unknown option '$option'" >&2; exit 2 ;;
  esac
done

# dpkg-dev: dpkg-shlibdeps, which computes the Debian package's dependencies (cpack -G DEB).
# libhiredis-dev: the Redis client under the Redis engine's link (plugins/redis).
packages=(build-essential cmake ninja-build pkg-config dpkg-dev
          libpoco-dev libgtest-dev libgmock-dev libbenchmark-dev libssl-dev libhiredis-dev)
if (( test_clients )); then
  # openssl makes the TLS tests' throwaway certificates; curl is one of their clients;
  # python3-yaml reads the Prometheus alert rules (etc/prometheus/alerts.yml).
  packages+=(python3 python3-websockets python3-yaml nodejs chromium openssl curl)
  # redis-server: the Redis link's tests (tests/plugins/redis) start their own, on a free port.
  packages+=(redis-server)
  # systemd-analyze, for the package test's check of spreadd.service. Installing systemd in
  # a container starts nothing (it is not PID 1 there); about 20 MB with its libraries.
  packages+=(systemd)
  # Node.js builds from outside Debian (NodeSource) bundle npm and conflict with Debian's
  # npm package, so that is only asked for when no npm is there.
  command -v npm >/dev/null || packages+=(npm)
fi
if (( fuzzers )); then
  packages+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# apt's own output (hundreds of unpacking lines on a bare machine) goes to a log that is
# shown only if apt fails.
apt_quietly() {
  local log
  log="$(mktemp -t spread-install-deps.XXXXXX)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-deps: '$*' failed (its output is above)" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

if (( ${#missing[@]} > 0 )); then
  echo "install-deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_quietly apt-get update
  apt_quietly apt-get install -y --no-install-recommends "${missing[@]}"
  echo "install-deps: installed"
fi

# promtool, which checks the Prometheus alert rules (etc/prometheus/alerts.yml), taken out of
# Debian's prometheus package into build/tools/ rather than installed: installed, that
# package would start a Prometheus server wherever systemd runs.
if (( test_clients )); then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  if [[ ! -x "$root/build/tools/promtool" ]]; then
    echo "install-deps: promtool from Debian's prometheus package, into build/tools"
    unpack="$(mktemp -d -t spread-promtool.XXXXXX)"
    # Package lists may be missing where nothing else had to be installed.
    (cd "$unpack" && { apt-get download prometheus >/dev/null 2>&1 ||
                       { apt_quietly apt-get update && apt_quietly apt-get download prometheus; }; } &&
                     dpkg-deb -x prometheus_*.deb tree)
    mkdir -p "$root/build/tools"
    cp "$unpack/tree/usr/bin/promtool" "$root/build/tools/promtool"
    rm -rf "$unpack"
  fi
fi

# The Node clients' packages, from their committed lock files (node_modules is not committed).
if (( test_clients )); then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for folder in tests/e2e/node bench/peers; do
    if [[ ! -d "$root/$folder/node_modules" ]]; then
      echo "install-deps: npm ci in $folder"
      (cd "$root/$folder" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
fi
