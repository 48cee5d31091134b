#!/usr/bin/env bash
# Idempotent machine + project set-up for a fresh Debian 12 / Ubuntu box, run as root.
# Quiet when there is nothing to do. Called by `make setup` (and so by `make demo` / `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_MAJOR="${PG_MAJOR:-15}"
log() { echo "setup: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"; as_root apt-get update -qq >/dev/null; apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- system packages -------------------------------------------------------------------------------
missing=()
[ -x "/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ] || missing+=("postgresql-$PG_MAJOR")
[ -d "/usr/include/postgresql/$PG_MAJOR/server" ] || missing+=("postgresql-server-dev-$PG_MAJOR")
command -v psql >/dev/null || missing+=("postgresql-client-$PG_MAJOR")
command -v cmake >/dev/null || missing+=(cmake)
command -v make >/dev/null || missing+=(make)
command -v gcc >/dev/null || missing+=(build-essential)
command -v curl >/dev/null || missing+=(curl ca-certificates)
command -v runuser >/dev/null || missing+=(util-linux)
command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

# --- TimescaleDB (Apache-2 part) built from Debian 13's source package ---------------------------------
if [ ! -f "/usr/share/postgresql/$PG_MAJOR/extension/timescaledb.control" ]; then
  src_list=/etc/apt/sources.list.d/storepulse-trixie-src.list
  if [ ! -f "$src_list" ]; then
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    if [ -f "$keyring" ]; then opts="[signed-by=$keyring]"; else opts="[trusted=yes]"; fi
    echo "deb-src $opts http://deb.debian.org/debian trixie main" | as_root tee "$src_list" >/dev/null
    apt_updated=0
  fi
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq >/dev/null; apt_updated=1; fi
  build_dir=$(mktemp -d /tmp/timescaledb-build.XXXXXX)
  log "building TimescaleDB in $build_dir (about a minute)"
  (
    cd "$build_dir"
    apt-get source -qq timescaledb >/dev/null 2>&1
    cd "$(find . -maxdepth 1 -type d -name 'timescaledb-*' | head -1)"
    PATH="/usr/lib/postgresql/$PG_MAJOR/bin:$PATH" ./bootstrap -DPG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" \
      -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DAPACHE_ONLY=ON \
      -DWARNINGS_AS_ERRORS=OFF -DSEND_TELEMETRY_DEFAULT=OFF >build.log 2>&1 || { cat build.log; exit 1; }
    cd build
    make -j"$(nproc)" >>../build.log 2>&1 || { tail -50 ../build.log; exit 1; }
    as_root make install >>../build.log 2>&1 || { tail -50 ../build.log; exit 1; }
  )
  rm -rf "$build_dir"
  log "TimescaleDB installed"
fi

# --- Python virtual environment ------------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  python3 -m venv .venv
fi
req_stamp=.venv/.requirements.sha
req_sum=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$req_stamp" 2>/dev/null)" != "$req_sum" ]; then
  log "pip install -r requirements.txt"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  echo "$req_sum" >"$req_stamp"
fi

# --- Node tools (Prisma CLI) ---------------------------------------------------------------------------
lock_stamp=node_modules/.lock.sha
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$lock_stamp" 2>/dev/null)" != "$lock_sum" ]; then
  log "npm ci"
  npm ci --silent --no-audit --no-fund >/dev/null
  echo "$lock_sum" >"$lock_stamp"
fi

# --- Python types generated from prisma/schema.prisma --------------------------------------------------
gen_stamp=.venv/.prisma.sha
gen_sum=$(cat prisma/schema.prisma prisma/generator/*.py | sha256sum | cut -d' ' -f1)
if [ "$(cat "$gen_stamp" 2>/dev/null)" != "$gen_sum" ] || [ ! -f app/db/models.py ]; then
  log "prisma generate"
  scripts/prisma generate >/dev/null
  echo "$gen_sum" >"$gen_stamp"
fi
