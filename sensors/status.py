"""Logger status messages: online/offline (often the last will), battery and firmware."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from sensors.readings import DecodeError

STATES = {"online": True, "connected": True, "offline": False, "disconnected": False, "lost": False}


@dataclass(frozen=True)
class LoggerStatus:
    online: bool | None
    battery: float | None
    firmware: str | None


def decode_status(payload: bytes) -> LoggerStatus:
    """Read "online"/"offline" text or a JSON object with state/online, battery, firmware."""
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise DecodeError("status payload is not UTF-8 text") from None
    if text.lower() in STATES:
        return LoggerStatus(STATES[text.lower()], None, None)
    try:
        body = json.loads(text)
    except ValueError:
        raise DecodeError(f"status payload is neither online/offline nor JSON: {text[:40]!r}") from None
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
