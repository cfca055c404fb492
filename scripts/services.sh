#!/usr/bin/env bash
# Brings up every server the tests and the benchmark talk to, on a fresh machine or a used one.
# Installs what is missing (Memcached, Prometheus' promtool) from Debian's packages, then starts
# any server that does not answer, with the same commands the machine uses at boot.
set -uo pipefail

log() { printf '[services] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" = "0" ]; then
    $SUDO apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed (continuing)"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null 2>&1
}

wait_for() { # name, tries, command...
  local name=$1 tries=$2; shift 2
  for _ in $(seq 1 "$tries"); do
    if "$@" >/dev/null 2>&1; then log "$name is up"; return 0; fi
    sleep 0.5
  done
  log "ERROR: $name did not come up"; return 1
}

status=0

# --- Memcached (not started at boot; installed on demand) ---
if ! command -v memcached >/dev/null 2>&1; then
  log "installing memcached"
  apt_install memcached || { log "ERROR: could not install memcached"; status=1; }
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/11211) 2>/dev/null; then
  log "starting memcached on 127.0.0.1:11211"
  memcached -d -u root -l 127.0.0.1 -p 11211 -m 64 -I 2m || status=1
fi
wait_for memcached 20 bash -c 'exec 3<>/dev/tcp/127.0.0.1/11211' || status=1

# --- TLS and SASL test servers (test/integration/tls) ---
# The TLS tests start their own TLS-only PostgreSQL, MariaDB, Redis (single node and Cluster) and
# Memcached with SASL per test file, on ports 20300-20399, with a throwaway CA made by openssl.
# They need openssl and saslpasswd2 (Debian's memcached is built with SASL: -S).
if ! command -v openssl >/dev/null 2>&1; then
  log "installing openssl"
  apt_install openssl || { log "ERROR: could not install openssl"; status=1; }
fi
if ! command -v saslpasswd2 >/dev/null 2>&1; then
  log "installing sasl2-bin (saslpasswd2, for Memcached SASL)"
  apt_install sasl2-bin libsasl2-modules || { log "ERROR: could not install sasl2-bin"; status=1; }
fi

# --- promtool (used to validate /metrics output) ---
if ! command -v promtool >/dev/null 2>&1; then
  log "installing prometheus (for promtool)"
  apt_install prometheus || log "WARNING: could not install prometheus; promtool tests will fail"
  # The package starts a daemon on :9090 through its service; we only need the binary.
  $SUDO pkill -x prometheus >/dev/null 2>&1 || true
fi

# --- Chromium (the dashboard's browser tests drive it with playwright-core) ---
if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium"
  apt_install chromium || log "WARNING: could not install chromium; the browser tests (test/browser) will fail"
fi

# --- PostgreSQL ---
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  log "starting PostgreSQL"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
wait_for postgresql 60 pg_isready -h 127.0.0.1 -p 5432 -q || status=1
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" postgres 2>/dev/null | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE test' postgres >/dev/null 2>&1 || true

# --- MariaDB ---
if ! mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; then
  log "starting MariaDB"
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
wait_for mariadb 60 mariadb-admin -h 127.0.0.1 -P 3306 -u root ping || status=1
mariadb -h 127.0.0.1 -u root -e 'CREATE DATABASE IF NOT EXISTS test' >/dev/null 2>&1 || true

# --- Redis ---
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for redis 20 redis-cli -h 127.0.0.1 -p 6379 ping || status=1

exit $status
