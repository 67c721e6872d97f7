"""Per-logger MQTT credentials in Mosquitto 2's own formats: the `$7$` password hash, password file and ACL.

A logger's MQTT username is its logger id (SPEC §3). The tracker keeps only the hash of the logger's secret,
in the exact form Mosquitto 2 reads from its `password_file` (see mosquitto_passwd(1)):

    username:$7$<iterations>$<base64 salt>$<base64 key>

where `$7$` is PBKDF2-HMAC-SHA512 over the UTF-8 secret with a 12-byte salt and a 64-byte key. Mosquitto reads
the iteration count from the line, so the tracker may choose its own. The same hash checks the logger's bearer
token on HTTP ingest, so verification lives here too.

`logistics broker-config` writes the dynamic security plugin's file (dynsec.py) from these hashes: unlike
the password file and ACL below, it binds each logger to its client id and checks SUBSCRIBE. They stay for
bench/broker_security.py, which measures the plugin against them, and for tests of delivery that need a
login but no access control.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

# The secrets are 256-bit random values, not human passwords: guessing one takes ~2**255 tries whatever the
# iteration count, so key stretching buys nothing against brute force. The count is paid on every MQTT CONNECT
# and every HTTP ingest request, so it stays modest (about 1.5 ms per check), ten times the mosquitto_passwd
# default of 101.
DEFAULT_ITERATIONS = 1_000

# A bound on what verify_secret will compute, so a corrupt stored value cannot stall a request.
MAX_ITERATIONS = 1_000_000

SCHEME = "$7$"
SALT_BYTES = 12  # mosquitto 2 refuses any other salt length when it loads the password file
KEY_BYTES = 64  # the length of a SHA-512 digest, which is what mosquitto derives and compares
SECRET_BYTES = 32

GENERATED_BY = "logistics broker-config"

# '+', '#' and '/' are refused because a `pattern` ACL substitutes the username into a topic (%u), and
# mosquitto will not substitute a username holding them (mosquitto.conf(5), acl_file); ':' separates
# the fields of a password-file line and whitespace separates the words of an ACL line.
_FORBIDDEN_IN_USERNAME = frozenset(":+#/")


@dataclass(frozen=True)
class ParsedHash:
    """The fields of a `$7$` hash: what the dynamic security plugin stores separately."""

    iterations: int
    salt: bytes
    key: bytes


def new_secret() -> str:
    """Return a fresh 256-bit random secret as URL-safe text (43 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str, *, salt: bytes | None = None, iterations: int = DEFAULT_ITERATIONS) -> str:
    """Return the Mosquitto `$7$` PBKDF2-SHA512 hash of a secret, without the "username:" prefix."""
    if salt is None:
        salt = secrets.token_bytes(SALT_BYTES)
    if len(salt) != SALT_BYTES:
        raise ValueError(f"salt must be {SALT_BYTES} bytes, not {len(salt)}")
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be between 1 and {MAX_ITERATIONS}, not {iterations}")
    key = _derive(secret, salt, iterations)
    return f"{SCHEME}{iterations}${_b64(salt)}${_b64(key)}"


def verify_secret(secret: str, stored: str) -> bool:
    """Whether the secret matches the stored `$7$` hash; False for a malformed stored value."""
    parsed = parse_hash(stored)
    if parsed is None:
        return False
    candidate = _derive(secret, parsed.salt, parsed.iterations)
    return hmac.compare_digest(candidate, parsed.key)


def password_file(entries: Iterable[tuple[str, str]]) -> str:
    """Return a Mosquitto password file: one line per (username, stored hash) pair, sorted by username."""
    by_user: dict[str, str] = {}
    for username, stored in entries:
        check_username(username)
        if username in by_user:
            raise ValueError(f"username {username!r} appears twice")
        if parse_hash(stored) is None:
            raise ValueError(f"the stored hash for {username!r} is not a Mosquitto $7$ hash")
        by_user[username] = stored
    lines = [f"{username}:{by_user[username]}" for username in sorted(by_user)]
    return _header("password_file") + "".join(f"{line}\n" for line in lines)


def acl_file(*, logger_ids: Iterable[str], ingest_user: str, prefix: str = "coldchain") -> str:
    """Return a Mosquitto ACL: each logger writes only its own subtree; ingest reads telemetry and status."""
    loggers = sorted(set(logger_ids))
    for username in [*loggers, ingest_user]:
        check_username(username)
    if ingest_user in loggers:
        raise ValueError(f"the ingest user {ingest_user!r} must not also be a logger id")
    check_prefix(prefix)
    registered = [f"#   {logger_id}" for logger_id in loggers] or ["#   (none)"]
    lines = [
        "# Loggers registered when this file was written:", *registered, "",
        *_logger_rules(prefix), "",
        *_ingest_rules(prefix, ingest_user),
    ]
    return _header("acl_file") + "".join(f"{line}\n" for line in lines)


def _logger_rules(prefix: str) -> list[str]:
    # A `pattern` rule applies to every authenticated user with %u replaced by the username, so each logger
    # may publish only under its own id; with an acl_file, anything not granted is denied.
    return [
        "# Each logger may publish only under its own id (SPEC §3).",
        f"pattern write {prefix}/loggers/%u/#",
    ]


def _ingest_rules(prefix: str, ingest_user: str) -> list[str]:
    # Read rules are applied to each message's topic when it is delivered, so they cover a shared
    # subscription `$share/<group>/<filter>` (MQTT v5 §4.8.2) as well as a plain one. Mosquitto 2.0.11 does
    # not consult the acl_file for SUBSCRIBE at all: any user may join a share group, and the messages the
    # broker hands to a member without read access are lost to the group: why broker-config moved to dynsec.
    # The deny rule closes the hole the pattern rule would open: without it the ingest user could publish
    # under {prefix}/loggers/<ingest user>/ and be read back as if it were a logger.
    return [
        "# The ingest service reads every logger's telemetry and status, and publishes nothing.",
        f"user {ingest_user}",
        f"topic read {prefix}/loggers/+/telemetry",
        f"topic read {prefix}/loggers/+/status",
        f"topic deny {prefix}/loggers/{ingest_user}/#",
    ]


def _header(option: str) -> str:
    return (
        f"# Mosquitto {option}, generated by `{GENERATED_BY}`.\n"
        "# Do not edit: run the command again after changing loggers; edits here are overwritten.\n"
    )


def check_username(username: str) -> None:
    """Raise ValueError for a user name Mosquitto's files cannot hold."""
    if not username:
        raise ValueError("a username must not be empty")
    bad = sorted({char for char in username if char in _FORBIDDEN_IN_USERNAME or char.isspace()})
    if bad or not username.isprintable():
        raise ValueError(f"username {username!r} must not contain ':', '+', '#', '/' or whitespace")


def check_prefix(prefix: str) -> None:
    """Raise ValueError unless the topic prefix is one or more plain topic levels."""
    parts = prefix.split("/")
    if not prefix or any(not part or set(part) & set("+#") or not part.isprintable() or
                         any(char.isspace() for char in part) for part in parts):
        raise ValueError(f"topic prefix {prefix!r} must be non-empty levels without wildcards or whitespace")


def parse_hash(stored: str) -> ParsedHash | None:
    """The iteration count, salt and key of a `$7$` hash; None when it is not one Mosquitto would accept."""
    if not stored.startswith(SCHEME):
        return None
    fields = stored[len(SCHEME):].split("$")
    if len(fields) != 3:
        return None
    iterations_text, salt_text, key_text = fields
    if not (iterations_text.isascii() and iterations_text.isdigit()):
        return None
    iterations = int(iterations_text)
    salt = _unb64(salt_text)
    key = _unb64(key_text)
    if not 1 <= iterations <= MAX_ITERATIONS or salt is None or key is None:
        return None
    if len(salt) != SALT_BYTES or len(key) != KEY_BYTES:
        return None
    return ParsedHash(iterations=iterations, salt=salt, key=key)


def _derive(secret: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha512", secret.encode("utf-8"), salt, iterations, dklen=KEY_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
