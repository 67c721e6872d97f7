"""docs/screenshots.py, run on a fresh demo into a folder of the test's own: it still finds its way through
the pages, and it makes exactly the images the README shows, each of a plausible size. The demo is a copy of
the one `logistics init --demo` made for the run (tests/conftest.py, demo_history_template): the script's
own `init --demo` is the same command, and recording the demo's past again would take a quarter minute."""

from __future__ import annotations

import importlib.util
import re
import struct
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def screenshots_script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def shown_in_the_readme() -> set[str]:
    return set(re.findall(r"docs/screenshots/([\w-]+\.png)", (ROOT / "README.md").read_text()))


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_the_script_makes_every_screenshot_the_readme_shows(browser, tmp_path, demo_history_template):
    script = screenshots_script()
    made = script.make_screenshots(tmp_path, browser, demo=demo_history_template)

    assert {path.name for path in made} == shown_in_the_readme()
    assert sorted(tmp_path.iterdir()) == sorted(made)
    for path in made:
        width, height = png_size(path)
        phone = "phone" in path.name
        assert width == (script.PHONE if phone else script.DESK)["width"], path.name
        assert 500 <= height <= 3000, (path.name, height)  # cut, not the whole of a long page
        # A blank or half-drawn page compresses to a few kilobytes; each of these holds text and charts.
        assert path.stat().st_size > 30_000, (path.name, path.stat().st_size)
