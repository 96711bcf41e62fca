#!/usr/bin/env bash
# Make .venv (if missing) and install a requirements file into it: scripts/install.sh requirements.txt
# Used by run.sh and test.sh, so the app and the tests install the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# One OpenCV per environment: mediapipe needs opencv-contrib-python, and a .venv made before it
# may still hold opencv-python-headless, whose cv2 files would overwrite (or be removed with) the
# contrib build's. Remove both; the install below puts back the one requirements.txt pins.
if .venv/bin/python -m pip show -q opencv-python-headless >/dev/null 2>&1; then
  .venv/bin/python -m pip uninstall -q -y opencv-python-headless opencv-contrib-python
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r "${1:-requirements.txt}"
