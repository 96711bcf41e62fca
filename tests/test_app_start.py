"""The README's first command, minus the install: a clean clone serves a healthy studio on 7860."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_clean_clone_serves_a_healthy_studio_on_7860(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "STUDIO_DATA_DIR", "GRADIO_SERVER_PORT", "STUDIO_AUTH")}
    # scripts/run.sh installs requirements.txt into .venv and then runs exactly this:
    app = subprocess.Popen([sys.executable, "app.py"], cwd=clone, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline, body = time.monotonic() + 120, None
        while time.monotonic() < deadline and app.poll() is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:7860/healthz", timeout=2) as response:
                    body = json.load(response)
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        assert body is not None, app.stdout.read() if app.poll() is not None else "no answer on 7860"
        assert body["ok"] is True and body["schema_at_head"] is True
        assert body["counts"]["poses"] >= 200 and body["queue"]["backend"] == "in-process"
        assert (clone / "studio-data" / "studio.db").exists()  # SQLite in the working directory
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        app.wait(timeout=30)
