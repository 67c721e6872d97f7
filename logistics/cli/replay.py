"""`logistics replay`: judge a shipment's recorded readings again and show what would differ."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from logistics.cli.analyze import duration_text, iso_time
from logistics.cli.common import failure, open_runtime
from logistics.core.clock import local_text
from logistics.core.profiles import ExcursionKind
from logistics.core.replay import Changed, Judged
from logistics.services.errors import InputError, NotFound
from logistics.services.replay import Replay, ReplayRequest, replay

OPTIONS = {"profile": "--profile", "min_c": "--min", "max_c": "--max", "max_hold_minutes": "--max-hold"}


@click.command(name="replay")
@click.argument("reference")
@click.option("--profile", "profile", metavar="NAME[@VERSION]", default="",
              help="Judge by this profile, at this version (default: its current one). Without it, the "
                   "shipment's own profile, when its goods have one.")
@click.option("--min", "min_c", type=float, metavar="C", help="Lower limit in °C, replacing the profile's.")
@click.option("--max", "max_c", type=float, metavar="C", help="Upper limit in °C, replacing the profile's.")
@click.option("--max-hold", "max_hold_minutes", type=click.FloatRange(min=0, min_open=True),
              metavar="MINUTES", help="Longest time one reading counts for, replacing the profile's.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a report.")
def replay_command(reference: str, profile: str, min_c: float | None, max_c: float | None,
                   max_hold_minutes: float | None, as_json: bool) -> None:
    """Judge shipment REFERENCE's readings again and show how its excursions would differ.

    \b
    Every logger of the shipment is judged over its time in it by the
    profile given (NAME or NAME@VERSION), with --min/--max/--max-hold
    replacing its limits and hold as in `logistics analyze`, by the same
    engine as the scan. The result is compared with the shipment's
    excursion records judged by that profile (with its shocks and data
    gaps), or with all of them when that profile judged none of its goods:
    excursions added, removed and changed (severity, start, end, duration,
    peak). Nothing is recorded or changed. Exit status 0 whether or not
    anything differs; 2 when an option cannot be used.
    """
    request = ReplayRequest(profile=profile, min_c=min_c, max_c=max_c, max_hold_minutes=max_hold_minutes)
    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            result = replay(session, reference, request, runtime.profiles, now=datetime.now(UTC))
    except InputError as error:
        field, problem = next(iter(error.errors.items()))
        raise click.BadParameter(problem, param_hint=OPTIONS.get(field, "--profile")) from None
    except NotFound as error:
        raise failure(error) from None
    finally:
        runtime.close()
    click.echo(json.dumps(replay_report(result)) if as_json else readable(result))


def replay_report(result: Replay) -> dict[str, Any]:
    """The replay as one JSON object: times in UTC (ISO 8601), durations in seconds."""
    profile, diff = result.profile, result.diff
    return {
        "shipment": result.reference,
        "profile": {"name": profile.name, "version": profile.version, "label": profile.label,
                    "min_c": profile.min_c, "max_c": profile.max_c,
                    "max_hold_minutes": profile.max_hold_minutes, "overridden": result.request.overridden},
        "compared_with": list(result.compared_with),
        "added": [_entry(judged) for judged in diff.added],
        "removed": [_entry(judged) for judged in diff.removed],
        "changed": [{"fields": list(change.fields), "before": _entry(change.before),
                     "after": _entry(change.after)} for change in diff.changed],
        "unchanged": len(diff.unchanged),
    }


def _entry(judged: Judged) -> dict[str, Any]:
    return {"logger": judged.logger, "rule": judged.rule, "kind": judged.kind, "mode": judged.mode,
            "severity": judged.severity, "start": iso_time(judged.start),
            "end": None if judged.end is None else iso_time(judged.end), "duration_s": judged.duration_s,
            "peak": None if judged.peak is None else round(judged.peak, 2)}


def readable(result: Replay) -> str:
    """The same for people, times in the destination's zone."""
    profile, diff = result.profile, result.diff
    overridden = " with the limits and hold given" if result.request.overridden else ""
    against = ", ".join(result.compared_with) or "no excursion records"
    lines = [f"{result.reference} judged again by {profile.name} v{profile.version}{overridden} "
             f"({_range(profile.min_c, profile.max_c)}), against {against}; nothing was recorded.",
             f"added {len(diff.added)}, removed {len(diff.removed)}, changed {len(diff.changed)}, "
             f"unchanged {len(diff.unchanged)}"]
    lines += [f"  added    {_line(judged, result.zone)}" for judged in diff.added]
    lines += [f"  removed  {_line(judged, result.zone)}" for judged in diff.removed]
    lines += [f"  changed  {_change_line(change, result.zone)}" for change in diff.changed]
    return "\n".join(lines)


def _line(judged: Judged, zone: str) -> str:
    end = local_text(judged.end, zone) if judged.end else "still running"
    return (f"{judged.logger} {judged.rule} ({judged.severity}): {local_text(judged.start, zone)} → {end}, "
            f"{duration_text(judged.duration_s)}{_peak(judged, judged.peak)}")


def _change_line(change: Changed, zone: str) -> str:
    parts = []
    for field in change.fields:
        before, after = getattr(change.before, field), getattr(change.after, field)
        parts.append(f"{field.removesuffix('_s')} {_value(field, before, change.before, zone)} → "
                     f"{_value(field, after, change.after, zone)}")
    return (f"{change.after.logger} {change.after.rule} from {local_text(change.before.start, zone)}: "
            + "; ".join(parts))


def _value(field: str, value: Any, judged: Judged, zone: str) -> str:
    if value is None:
        return "still running" if field == "end" else "none"
    if field in ("start", "end"):
        return local_text(value, zone)
    if field == "duration_s":
        return duration_text(value)
    if field == "peak":
        return _peak(judged, value).removeprefix(", peak ")
    return str(value)


def _peak(judged: Judged, peak: float | None) -> str:
    if peak is None:
        return ""
    return f", peak {peak:.2f} {'g' if judged.kind == ExcursionKind.SHOCK else '°C'}"


def _range(low: float | None, high: float | None) -> str:
    if low is None:
        return f"≤ {high:g} °C"
    return f"≥ {low:g} °C" if high is None else f"{low:g} to {high:g} °C"


COMMANDS = (replay_command,)
