"""The usual native batch, `{"readings": [...]}` of plain readings, decoded in one pass by msgspec.

A flight-mode backfill is thousands of readings of one shape: whole Unix seconds, an integer "seq" and
finite numbers. msgspec checks that shape while it parses, in C, at a tenth of what json plus the
per-reading decoding cost. Anything else (another key, a null, a string, a unit, a vector, a number out of
range, bytes that are not JSON) is not decoded here: `decode_fields` reads it as before, so every
rejection and its wording stay as they were. A property test holds the two paths to the same result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec

from sensors.readings import DecodedFields, ReadingFields
from sensors.units import LARGEST_SEQUENCE, MILLISECONDS_ABOVE

# Finite floats only: a JSON number too large for a float (1e400) is out of range, which the field table
# words as "too large"; integers are taken as floats, as the field table takes them.
_Finite = Annotated[float, msgspec.Meta(ge=-1.7976931348623157e308, le=1.7976931348623157e308)]


class _PlainReading(msgspec.Struct, forbid_unknown_fields=True):
    """A native reading as `sensors.decode._plain_native` takes it; a default of None means "absent": a
    JSON null does not match the type, so it goes to the field table."""

    ts: Annotated[int, msgspec.Meta(ge=0, le=MILLISECONDS_ABOVE)]
    seq: Annotated[int, msgspec.Meta(ge=0, le=LARGEST_SEQUENCE)] = None  # type: ignore[assignment]
    temp: _Finite = None  # type: ignore[assignment]
    shock_g: _Finite = None  # type: ignore[assignment]
    humidity: _Finite = None  # type: ignore[assignment]
    battery: _Finite = None  # type: ignore[assignment]
    lat: _Finite = None  # type: ignore[assignment]
    lon: _Finite = None  # type: ignore[assignment]


class _PlainBatch(msgspec.Struct, forbid_unknown_fields=True):
    readings: list[_PlainReading]


_decoder = msgspec.json.Decoder(_PlainBatch)


def decode_plain_batch(payload: bytes) -> DecodedFields | None:
    """The batch's readings, when every one of them is plain; None when the payload needs the full decoder."""
    try:
        batch = _decoder.decode(payload)
    except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
        return None
    new, moment = tuple.__new__, datetime.fromtimestamp
    return DecodedFields(None, tuple([
        new(ReadingFields, (moment(r.ts, UTC), r.temp, r.shock_g, r.humidity, r.battery, r.lat, r.lon,
                            r.seq, False, None, None))
        for r in batch.readings]), ())
