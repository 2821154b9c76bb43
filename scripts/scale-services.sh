#!/usr/bin/env bash
# `make run-scaled` (README "Scale-out mode"): what the scale-out mode needs beyond `make setup`,
# from Debian's packages: Redis and HAProxy, and PostgreSQL unless FAQBOT_SCALE_POSTGRES_URL
# names one. Run as root, it installs the missing packages (saying which) and starts the local
# PostgreSQL cluster with a role of its own; otherwise it prints the apt-get command and stops.
# Prints `export FAQBOT_SCALE_POSTGRES_URL=...` when it set up the local database.
set -euo pipefail
cd "$(dirname "$0")/.."

root=false
[ "$(id -u)" -eq 0 ] && root=true
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
if [ -z "${FAQBOT_SCALE_POSTGRES_URL:-}" ]; then
  { command -v pg_lsclusters >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; } \
    || need+=(postgresql)
fi
if [ ${#need[@]} -gt 0 ]; then
  if ! $root; then
    echo "the scale-out mode needs Debian's packages ${need[*]}:" >&2
    echo "  sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "==> installing ${need[*]} from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
[ -n "${FAQBOT_SCALE_POSTGRES_URL:-}" ] && exit 0

if ! $root; then
  echo "set FAQBOT_SCALE_POSTGRES_URL=postgresql://USER:PASSWORD@HOST:PORT/NAME (a role that" >&2
  echo "may create databases), or run as root to use this machine's PostgreSQL cluster" >&2
  exit 1
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p "$port" >&2

# a role of its own with a random password kept in .faqbot/ (only this user can read it)
mkdir -p .faqbot
secret=.faqbot/postgres-scaled-password
[ -s "$secret" ] || (umask 077 && head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret")
password=$(cat "$secret")
runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 -v password="$password" >&2 <<'SQL'
SELECT format('CREATE ROLE faqbot_scaled LOGIN CREATEDB PASSWORD %L', :'password')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'faqbot_scaled') \gexec
SELECT format('ALTER ROLE faqbot_scaled PASSWORD %L', :'password') \gexec
SQL
echo "export FAQBOT_SCALE_POSTGRES_URL=postgresql://faqbot_scaled:$password@127.0.0.1:$port/faqbot_scaled"
