"""templates/, static/ and migrations/ are found from a checkout and from an installed wheel."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from booking.paths import resource_dir

ROOT = Path(__file__).resolve().parent.parent


def test_a_checkout_finds_its_resources():
    for name, probe in (
        ("templates", "base.html"),
        ("static", "css/campus.css"),
        ("migrations", "env.py"),
    ):
        assert (resource_dir(name) / probe).is_file()


@pytest.mark.slow
def test_an_installed_wheel_finds_its_resources(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "booking/templates/base.html" in names
    assert "booking/static/css/campus.css" in names
    assert "booking/migrations/env.py" in names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "from booking.paths import resource_dir; print(resource_dir('templates'))",
        ],
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert found.stdout.strip() == str(target / "booking" / "templates")
