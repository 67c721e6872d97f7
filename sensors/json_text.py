"""JSON from a logger, parsed with bounds: a hostile payload gets a DecodeError, never an exception else."""

from __future__ import annotations

import json

from sensors.readings import DecodeError

# The deepest telemetry shape is a batch of readings holding a shock vector (4 levels); SenML and the
# vendor shapes stay well under this. Deeper documents are refused before any decoder walks them.
MAX_JSON_DEPTH = 32


def parse_json_text(text: str, *, what: str = "payload") -> object:
    """The JSON document in `text`, or DecodeError naming the problem (syntax, numbers, nesting)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise DecodeError(f"{what} is not JSON: {error.msg} at {where}") from None
    except ValueError as error:  # e.g. an integer longer than Python will convert
        raise DecodeError(f"{what} is not usable JSON: {str(error).split(';')[0]}") from None
    except RecursionError:
        raise DecodeError(f"{what} is not usable JSON: nested deeper than {MAX_JSON_DEPTH} levels") from None
    if _deeper_than(document, MAX_JSON_DEPTH):
        raise DecodeError(f"{what} is not usable JSON: nested deeper than {MAX_JSON_DEPTH} levels")
    return document


def _deeper_than(document: object, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels (walked without recursion)."""
    pending: list[tuple[object, int]] = [(document, 1)]
    while pending:
        node, depth = pending.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return True
                pending.append((child, depth + 1))
    return False
