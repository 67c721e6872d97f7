"""Logger status messages: online/offline (often the last will), battery and firmware."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sensors.json_text import parse_json_text
from sensors.readings import DecodeError

# A status is a word or a small object; anything larger is not one.
MAX_STATUS_BYTES = 16 * 1024
STATES = {"online": True, "connected": True, "offline": False, "disconnected": False, "lost": False}


@dataclass(frozen=True)
class LoggerStatus:
    online: bool | None
    battery: float | None
    firmware: str | None


def decode_status(payload: bytes) -> LoggerStatus:
    """Read "online"/"offline" text or a JSON object with state/online, battery, firmware."""
    if len(payload) > MAX_STATUS_BYTES:
        raise DecodeError(f"status payload is {len(payload)} bytes, over the {MAX_STATUS_BYTES}-byte limit")
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise DecodeError("status payload is not UTF-8 text") from None
    if text.lower() in STATES:
        return LoggerStatus(STATES[text.lower()], None, None)
    if not text.startswith(("{", "[")):
        raise DecodeError(f"status payload is neither online/offline nor JSON: {text[:40]!r}")
    body = parse_json_text(text, payload, what="status payload")
    if not isinstance(body, dict):
        raise DecodeError("status payload must be a JSON object")
    return LoggerStatus(_online(body), _battery(body), _firmware(body))


def _online(body: dict[str, object]) -> bool | None:
    if isinstance(body.get("online"), bool):
        return bool(body["online"])
    state = body.get("state", body.get("status"))
    if isinstance(state, str) and state.lower() in STATES:
        return STATES[state.lower()]
    return None


def _battery(body: dict[str, object]) -> float | None:
    value = body.get("battery")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and 0 <= number <= 100 else None


def _firmware(body: dict[str, object]) -> str | None:
    value = body.get("firmware", body.get("fw"))
    return str(value)[:40] if isinstance(value, str | int | float) and not isinstance(value, bool) else None
