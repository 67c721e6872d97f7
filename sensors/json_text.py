"""JSON from a logger, parsed with bounds: a hostile payload gets a DecodeError, never an exception else."""

from __future__ import annotations

import json

from sensors.readings import DecodeError

# The deepest telemetry shape is a batch of readings holding a shock vector (4 levels); SenML and the
# vendor shapes stay well under this. Deeper documents are refused before the parser sees them.
MAX_JSON_DEPTH = 32

_STRUCTURE = b'"[]{}'
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in _STRUCTURE)


def parse_json_text(text: str, raw: bytes, *, what: str = "payload") -> object:
    """The JSON document in `text` (`raw` is its UTF-8 form), or DecodeError naming the problem."""
    if nested_deeper_than(raw, MAX_JSON_DEPTH):
        raise DecodeError(f"{what} is not usable JSON: nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise DecodeError(f"{what} is not JSON: {error.msg} at {where}") from None
    except ValueError as error:  # e.g. an integer longer than Python will convert
        raise DecodeError(f"{what} is not usable JSON: {str(error).split(';')[0]}") from None
    except RecursionError:  # cannot happen within the depth limit; kept as the last line of defence
        raise DecodeError(f"{what} is not usable JSON: nested deeper than {MAX_JSON_DEPTH} levels") from None


def nested_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether the arrays and objects in JSON text `raw` nest more than `limit` levels.

    Worked on the bytes with C-speed operations only (the ingest's hot path): escaped quotes and
    backslashes go, then everything but brackets and quotes, then the strings; each round then
    removes the innermost empty pairs, so the rounds needed are the nesting depth.
    """
    skeleton = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    if b'"' in skeleton:
        skeleton = b"".join(skeleton.split(b'"')[::2])  # outside the strings
    for _ in range(limit):
        # A placeholder keeps one round from also removing the pair that a removal makes empty.
        shorter = skeleton.replace(b"[]", b"-").replace(b"{}", b"-").replace(b"-", b"")
        if len(shorter) == len(skeleton):
            return False  # nothing nested is left (or only unmatched brackets: the parser says so)
        skeleton = shorter
    return b"[]" in skeleton or b"{}" in skeleton
