#!/usr/bin/env bash
# Install Pose Studio into .venv and run it on http://127.0.0.1:7860 (SQLite, jobs in-process).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python app.py
