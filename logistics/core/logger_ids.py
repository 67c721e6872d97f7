"""What a logger id may be. It is the logger's MQTT user name, its MQTT client id and one topic level
(SPEC §3: `{prefix}/loggers/{logger_id}/telemetry`), so it must be safe in all three at once.

The rule: 2 to 64 characters, ASCII letters, digits, '.', '_' and '-', starting with a letter or a digit.
That leaves out, among others:
- '/', '+' and '#': a level separator and the wildcards (MQTT v5 §4.7); a topic holding them cannot be
  published to, and a filter holding them would match other loggers;
- a leading '$': topics starting with '$' are the broker's own (MQTT v5 §4.7.2, `$SYS`, `$share`);
- ':' (the password file's separator), whitespace, control characters and non-ASCII letters, which look
  alike on a page (a Cyrillic 'А' in 'LG-А') or are cut differently by other tools.
The length stays well inside what Mosquitto accepts as a client id (MQTT v5 §3.1.3.1 only promises 23).

Some names are reserved: the ingest's MQTT user name and client ids. A logger registered under one of them
could take the ingest's identity at the broker (issue 16, point 2), so they are refused whatever their case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LOGGER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")
RULE = ("use 2 to 64 letters, digits and . _ - starting with a letter or digit "
        "(it is the MQTT user name, client id and a topic level)")
ALWAYS_RESERVED = frozenset({"ingest"})  # the ingest's user name unless mqtt_url names another


def logger_id_problem(code: str, *, reserved: Iterable[str] = ()) -> str | None:
    """What is wrong with `code` as a logger id, or None when it may be registered."""
    if not LOGGER_ID.fullmatch(code):  # fullmatch: "$" would let a trailing newline through
        return RULE
    if code.casefold() in {name.casefold() for name in [*ALWAYS_RESERVED, *reserved]}:
        return f"{code!r} is reserved for the ingest's MQTT user name or client id"
    return None
