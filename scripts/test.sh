#!/usr/bin/env bash
# Install the test tools into .venv and run the whole test suite.
#
# PostgreSQL and Redis tests use TEST_DATABASE_URL (a server URL: tests create and drop their
# own databases on it) and TEST_REDIS_URL; without them those tests skip, unless
# STUDIO_REQUIRE_SERVICES=1 turns the skips into failures (CI does). Browser tests need
# Debian's Chromium at /usr/bin/chromium, installed here when missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh requirements-dev.txt

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ]; then
  (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }) \
    || echo "warning: could not install chromium; browser tests will fail" >&2
fi

export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
