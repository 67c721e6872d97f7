"""Mosquitto 2 credentials: the $7$ hash, its verification, the password file and the ACL."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from logistics.core.mosquitto import (
    DEFAULT_ITERATIONS,
    MAX_ITERATIONS,
    acl_file,
    hash_secret,
    new_secret,
    password_file,
    verify_secret,
)

SALT = bytes(range(12))
B64_SALT = base64.b64encode(SALT).decode()
B64_KEY = base64.b64encode(bytes(64)).decode()
HASH_LINE = re.compile(r"^\$7\$(\d+)\$([A-Za-z0-9+/]{16})\$([A-Za-z0-9+/]{86}==)$")
BAD_USERNAMES = ["", "LG:1", "LG 1", "LG\t1", "LG\n1", "LG+1", "LG#1", "LG/1", "+", "#"]


def mosquitto_passwd() -> str:
    found = shutil.which("mosquitto_passwd") or ("/usr/bin/mosquitto_passwd"
                                                 if os.access("/usr/bin/mosquitto_passwd", os.X_OK) else None)
    if found is None:
        reason = "mosquitto_passwd is not installed (apt-get install mosquitto)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
        pytest.skip(reason)
    return found


def hash_from_mosquitto_passwd(tmp_path: Path, username: str, password: str) -> str:
    path = tmp_path / "passwords"
    subprocess.run([mosquitto_passwd(), "-c", "-b", str(path), username, password],
                   check=True, capture_output=True, timeout=30)
    user, stored = path.read_text(encoding="utf-8").strip().split(":", 1)
    assert user == username
    return stored


def test_new_secrets_are_256_random_bits_of_url_safe_text() -> None:
    secrets = {new_secret() for _ in range(100)}

    assert len(secrets) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", secret) for secret in secrets)
    assert len(base64.urlsafe_b64decode(next(iter(secrets)) + "=")) == 32


def test_a_hash_has_mosquittos_field_layout_and_lengths() -> None:
    match = HASH_LINE.match(hash_secret("s3cret"))

    assert match is not None
    assert int(match[1]) == DEFAULT_ITERATIONS
    assert len(base64.b64decode(match[2])) == 12
    assert len(base64.b64decode(match[3])) == 64


def test_the_right_secret_verifies_and_a_wrong_one_does_not() -> None:
    secret = new_secret()
    stored = hash_secret(secret)

    assert verify_secret(secret, stored)
    assert not verify_secret(secret + "x", stored)
    assert not verify_secret("", stored)


def test_each_hash_gets_a_fresh_salt() -> None:
    assert hash_secret("same") != hash_secret("same")


def test_a_given_salt_and_iteration_count_are_used_as_given() -> None:
    stored = hash_secret("s3cret", salt=SALT, iterations=5000)

    assert stored.startswith(f"$7$5000${B64_SALT}$")
    assert stored == hash_secret("s3cret", salt=SALT, iterations=5000)
    assert verify_secret("s3cret", stored)


def test_non_ascii_secrets_are_hashed_as_utf8() -> None:
    assert verify_secret("kühl-2-8°C", hash_secret("kühl-2-8°C"))


@pytest.mark.parametrize("kwargs", [{"salt": bytes(16)}, {"salt": b""}, {"iterations": 0},
                                    {"iterations": MAX_ITERATIONS + 1}])
def test_hashing_refuses_a_salt_or_iteration_count_mosquitto_would_not_accept(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        hash_secret("s3cret", **kwargs)


@pytest.mark.parametrize("stored", [
    "",
    "$7$",
    f"$6${B64_SALT}${B64_KEY}",
    f"$6$101${B64_SALT}${B64_KEY}",
    f"$7$101$!!!notbase64!!!${B64_KEY}",
    f"$7$101${B64_SALT}$not base64",
    f"$7$101${B64_SALT}${B64_KEY[:-2]}",
    f"$7$abc${B64_SALT}${B64_KEY}",
    f"$7$-101${B64_SALT}${B64_KEY}",
    f"$7$0${B64_SALT}${B64_KEY}",
    f"$7$${B64_SALT}${B64_KEY}",
    f"$7$١٠١${B64_SALT}${B64_KEY}",
    f"$7${MAX_ITERATIONS + 1}${B64_SALT}${B64_KEY}",
    f"$7$101${B64_KEY}",
    f"$7$101${B64_SALT}${B64_KEY}$extra",
    f"$7$101${base64.b64encode(bytes(16)).decode()}${B64_KEY}",
    f"$7$101${B64_SALT}${base64.b64encode(bytes(32)).decode()}",
    f"$7$101$ü{B64_SALT}${B64_KEY}",
], ids=lambda stored: stored[:24] or "empty")
def test_a_malformed_stored_value_verifies_as_false_without_raising(stored: str) -> None:
    assert verify_secret("s3cret", stored) is False


def test_a_hash_made_by_mosquitto_passwd_verifies(tmp_path: Path) -> None:
    stored = hash_from_mosquitto_passwd(tmp_path, "LG-0001", "from-the-real-tool")

    assert verify_secret("from-the-real-tool", stored)
    assert not verify_secret("from-the-real-tool!", stored)


def test_given_mosquitto_passwds_salt_and_count_the_hash_is_byte_for_byte_the_same(tmp_path: Path) -> None:
    stored = hash_from_mosquitto_passwd(tmp_path, "LG-0001", "from-the-real-tool")
    _, _, iterations, salt, _ = stored.split("$")
    again = hash_secret("from-the-real-tool", salt=base64.b64decode(salt), iterations=int(iterations))

    assert again == stored


def test_the_password_file_has_a_header_and_one_sorted_line_per_user() -> None:
    entries = [("LG-B", hash_secret("b")), ("LG-A", hash_secret("a")), ("ingest", hash_secret("i"))]

    text = password_file(entries)

    comments = [line for line in text.splitlines() if line.startswith("#")]
    users = [line for line in text.splitlines() if not line.startswith("#")]
    assert any("generated" in line and "logistics broker-config" in line for line in comments)
    assert users == [f"{user}:{stored}" for user, stored in sorted(entries)]
    assert text.endswith("\n")


@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_the_password_file_refuses_a_username_mosquitto_cannot_use(username: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(username)) if username else "empty"):
        password_file([(username, hash_secret("s"))])


def test_the_password_file_refuses_a_duplicate_user_or_a_malformed_hash() -> None:
    with pytest.raises(ValueError, match="'LG-A' appears twice"):
        password_file([("LG-A", hash_secret("a")), ("LG-A", hash_secret("b"))])
    with pytest.raises(ValueError, match="'LG-A'"):
        password_file([("LG-A", "$7$101$x$y\nLG-B:$7$...")])


def test_the_acl_lets_loggers_write_only_their_own_subtree_and_ingest_read_telemetry_and_status() -> None:
    lines = acl_file(logger_ids=["LG-B", "LG-A"], ingest_user="ingest").splitlines()

    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules == [
        "pattern write coldchain/loggers/%u/#",
        "user ingest",
        "topic read coldchain/loggers/+/telemetry",
        "topic read coldchain/loggers/+/status",
        "topic deny coldchain/loggers/ingest/#",
    ]
    assert any("generated" in line and "logistics broker-config" in line for line in lines)


def test_the_acl_uses_the_given_prefix() -> None:
    text = acl_file(logger_ids=["LG-A"], ingest_user="tracker", prefix="site-7/coldchain")

    assert "pattern write site-7/coldchain/loggers/%u/#\n" in text
    assert "topic read site-7/coldchain/loggers/+/telemetry\n" in text
    assert "user tracker\n" in text


def test_the_acl_grants_nothing_to_anonymous_clients() -> None:
    # mosquitto.conf(5), acl_file: topic lines before the first user line apply to anonymous clients.
    lines = acl_file(logger_ids=["LG-A"], ingest_user="ingest").splitlines()

    before_first_user = lines[:lines.index("user ingest")]
    assert not [line for line in before_first_user if line.startswith("topic")]


@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_the_acl_refuses_a_username_mosquitto_cannot_use(username: str) -> None:
    with pytest.raises(ValueError):
        acl_file(logger_ids=[username], ingest_user="ingest")
    with pytest.raises(ValueError):
        acl_file(logger_ids=["LG-A"], ingest_user=username)


def test_the_acl_refuses_an_ingest_user_that_is_also_a_logger() -> None:
    with pytest.raises(ValueError, match="'LG-A'"):
        acl_file(logger_ids=["LG-A"], ingest_user="LG-A")


@pytest.mark.parametrize("prefix", ["", "/coldchain", "coldchain/", "cold chain", "cold+chain", "a//b", "#"])
def test_the_acl_refuses_a_prefix_that_is_not_plain_topic_levels(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        acl_file(logger_ids=["LG-A"], ingest_user="ingest", prefix=prefix)
