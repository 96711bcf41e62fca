#!/usr/bin/env bash
# Install Pose Studio into .venv and run it on http://127.0.0.1:7860 (SQLite, jobs in-process).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh requirements.txt
exec .venv/bin/python app.py
