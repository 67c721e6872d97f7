"""No secret is committed: the repository's tracked files hold no private keys, tokens or passwords
(the demo's shared password, made for trying the software, and documented placeholders excepted)."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = {
    "a private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "an AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "a Slack token": re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}"),
    "a Slack webhook": re.compile(r"hooks\.slack\.com/services/T(?!000/)[0-9A-Z]+/"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[0-9A-Za-z]{30,}"),
}
# user:password@ in a URL, unless the password is a placeholder (INGEST-PASSWORD, "password"), masked, or
# a variable; the tests' own private brokers use throw-away passwords and are not searched for it.
URL_PASSWORD = re.compile(r"[a-z+]+://[^\s/:@'\"]+:(?![A-Z][A-Z-]*@|password@|\*|\$|\{)[^\s/@'\"]+@")


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_holds_a_secret():
    found = []
    for path in tracked_files():
        if path.suffix in {".png", ".mo", ".pdf", ".ttf"} or not path.is_file():
            continue
        text, name = path.read_text(encoding="utf-8", errors="replace"), path.relative_to(ROOT)
        found += [f"{name}: {what}" for what, pattern in PATTERNS.items() if pattern.search(text)]
        if name.parts[0] != "tests" and URL_PASSWORD.search(text):
            found.append(f"{name}: a password in a URL")
    assert found == []


def test_the_built_in_settings_carry_no_secret_values():
    settings = tomllib.loads((ROOT / "config" / "settings.toml").read_text(encoding="utf-8"))
    assert settings["secret_key"] == "" and settings["recruitment_token"] == ""
    assert "@" not in settings["mqtt_url"] and "@" not in settings["database_url"]
