"""The command line, run as a creator would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args, tmp_path, **env):
    full_env = {**os.environ, "STUDIO_DATA_DIR": str(tmp_path), **env}
    full_env.pop("DATABASE_URL", None) if "DATABASE_URL" not in env else None
    return subprocess.run([sys.executable, "-m", "studio", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


def test_every_command_has_help(tmp_path):
    for args in (["--help"], ["db", "upgrade", "--help"], ["db", "current", "--help"], ["seed", "--help"],
                 ["credits", "grant", "--help"], ["credits", "show", "--help"], ["poses", "import", "--help"]):
        result = run(args, tmp_path)
        assert result.returncode == 0 and "usage:" in result.stdout, (args, result.stderr)
    assert "photos" in run(["poses", "--help"], tmp_path).stdout


def test_upgrade_grant_and_show(tmp_path):
    assert run(["db", "current"], tmp_path).returncode == 1  # empty database: behind head
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    assert "(at head)" in run(["db", "current"], tmp_path).stdout
    missing = run(["credits", "grant", "ana", "50", "--reason", "gift"], tmp_path)
    assert missing.returncode == 2 and "no user called 'ana'" in missing.stderr

    from studio.db.engine import Database
    from studio.services import users
    users.get_or_create(Database(f"sqlite:///{tmp_path / 'studio.db'}"), name="ana", starter_credits=200)

    granted = run(["credits", "grant", "ana", "50", "--reason", "conference gift"], tmp_path)
    assert granted.returncode == 0 and "balance 250" in granted.stdout
    shown = run(["credits", "show", "ana"], tmp_path)
    assert "ana: 250 credits" in shown.stdout and "conference gift" in shown.stdout


def test_bad_configuration_is_one_clear_line(tmp_path):
    result = run(["db", "upgrade"], tmp_path, DATABASE_URL="mysql://nope")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "DATABASE_URL" in result.stderr


def test_poses_import_reads_photos_of_people(tmp_path):
    import numpy as np
    from PIL import Image

    from tests.photos import astronaut

    photos = tmp_path / "photos"
    photos.mkdir()
    astronaut().save(photos / "astronaut.jpg")
    Image.fromarray(np.tile(np.linspace(0, 255, 320, dtype=np.uint8), (320, 1))).convert("RGB").save(photos / "sky.png")
    result = run(["poses", "import", str(photos), "--category", "yoga", "--owner", "ana"], tmp_path / "data",
                 STUDIO_PRESET="tiny")
    assert result.returncode == 2 and "no user called 'ana'" in result.stderr  # checked before any photo is read
    result = run(["poses", "import", str(photos), "--category", "yoga"], tmp_path / "data", STUDIO_PRESET="tiny")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("imported 'Astronaut' (")
    assert lines[1].startswith("skipped sky.png: no person was found in the photo; use a photo of one person")
    assert lines[-1] == "1 imported into yoga, 1 skipped"
    assert "Traceback" not in result.stderr and "install" not in result.stdout
