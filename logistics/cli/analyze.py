"""`logistics analyze`: judge a logger's CSV file by a storage profile, offline (SPEC §2.2)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from logistics.core.excursion_types import Evaluation, Excursion
from logistics.core.excursions import evaluate
from logistics.core.profiles import (
    ExcursionKind,
    ExcursionMode,
    StorageProfile,
    ad_hoc_profile,
    rule_name,
    with_limits,
)
from logistics.readers.config_files import ConfigFileError, load_profiles
from logistics.readers.logger_files import LoggerFileError, read_logger_file

__all__ = ["analyze", "rule_name", "with_limits"]  # the last two live in core.profiles, shared with replay
UTC_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


class BadLoggerFile(click.ClickException):
    """A file that cannot be analysed: a one-line message and exit status 2, like a usage error."""

    exit_code = 2


def parse_zone(_context: click.Context, _parameter: click.Parameter, value: str | None) -> tzinfo | None:
    """--tz: an IANA time zone, UTC or Z, or a fixed offset such as +07:00."""
    if value is None:
        return None
    text = value.strip()
    offset = UTC_OFFSET.fullmatch(text)
    try:
        if text.upper() in ("Z", "UTC"):
            return UTC
        if offset:
            sign, hours, minutes = offset.groups()
            shift = timedelta(hours=int(hours), minutes=int(minutes))
            return timezone(-shift if sign == "-" else shift)
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{value!r} is not a time zone: give an IANA name such as Asia/Bangkok, "
                                 "UTC, or an offset such as +07:00") from None


@click.command(name="analyze")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", "profile_name", metavar="NAME",
              help="Storage profile to judge by (refrigerated, crt, frozen, dry_ice, ln2_vapour, ...).")
@click.option("--min", "min_c", type=float, metavar="C", help="Lower limit in °C, replacing the profile's.")
@click.option("--max", "max_c", type=float, metavar="C", help="Upper limit in °C, replacing the profile's.")
@click.option("--max-hold", "max_hold_minutes", type=click.FloatRange(min=0, min_open=True),
              metavar="MINUTES", help="Longest time one reading counts for (default: the profile's, "
                                      "else twice the median logging interval).")
@click.option("--tz", "zone", metavar="ZONE", callback=parse_zone,
              help="Show times in ZONE: an IANA name such as Asia/Bangkok, UTC, or an offset such as "
                   "+07:00 (default: the report at the first row's offset, --json in UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a report.")
def analyze(file: Path, profile_name: str | None, min_c: float | None, max_c: float | None,
            max_hold_minutes: float | None, zone: tzinfo | None, as_json: bool) -> None:
    """Judge the logger file FILE (CSV) by a storage profile; no database is needed.

    \b
    FILE's header has `timestamp` (ISO 8601 with an offset or Z, or Unix
    seconds), one of `temperature_c`, `temperature_f`, `temperature_k`, or
    `temperature` with a `unit` column (C, F or K), and optionally `shock_g`.
    Rows are numbered from the header (row 1); a row with fewer columns
    than the header is refused.

    --min/--max replace the profile's limits. Each profile rule that sat on a
    replaced limit (an "above" rule at the old maximum, a "below" rule at the
    old minimum) moves to the new limit with its delay, mode and severity, and
    is renamed after it (above_8c_30min becomes above_10c_30min). A limit that
    no rule sits on gets the rule above_<max>c or below_<min>c: a single event
    after 0 minutes, severity major. Without --profile, --min/--max describe a
    profile named "custom" with only those rules, a 10 g shock threshold and
    the default hold.

    The report counts distinct reading times (a repeated time is dropped, the
    first row kept); `end` is where the last reading's coverage ends, so the
    four times add up to end − start. A row with a shock but no temperature
    counts only for shocks. Gaps are reported as the rule no_data_gap, shocks
    as shock_<threshold>g (e.g. shock_10g).

    The report shows times at the UTC offset of the file's first row (a file
    written at +07:00 reads at +07:00; Unix seconds read in UTC), the JSON
    object in UTC as Z; --tz ZONE shows both in ZONE.

    Exit status: 0 whether the verdict is pass or alarm, 2 when the file or
    the options cannot be used.
    """
    profile = _chosen_profile(profile_name, min_c, max_c, max_hold_minutes)
    try:
        loaded = read_logger_file(file)
    except LoggerFileError as error:
        raise BadLoggerFile(f"{file.name}: {error}") from None
    evaluation = evaluate(loaded.columns, profile)
    if as_json:
        click.echo(json.dumps(analysis_report(evaluation, zone or UTC)))
    else:
        report = analysis_report(evaluation, zone or timezone(loaded.offset))
        click.echo(readable_report(file.name, profile, evaluation, report))


def _chosen_profile(name: str | None, min_c: float | None, max_c: float | None,
                    max_hold_minutes: float | None) -> StorageProfile:
    for option, value in (("--min", min_c), ("--max", max_c)):
        if value is not None and not math.isfinite(value):
            raise click.BadParameter("must be a finite number of °C", param_hint=option)
    if name is None and min_c is None and max_c is None:
        raise click.UsageError("give --profile NAME, or a range with --min and/or --max")
    base = _named_profile(name) if name is not None else ad_hoc_profile()
    profile = with_limits(base, min_c, max_c)
    if profile.min_c is not None and profile.max_c is not None and profile.min_c > profile.max_c:
        raise click.UsageError(f"the lower limit {profile.min_c:g} °C is above the upper limit "
                               f"{profile.max_c:g} °C")
    return profile if max_hold_minutes is None else replace(profile, max_hold_minutes=max_hold_minutes)


def _named_profile(name: str) -> StorageProfile:
    try:
        profiles = load_profiles()
    except ConfigFileError as error:
        raise click.ClickException(f"configuration: {error}") from None
    if name not in profiles:
        raise click.BadParameter(f"{name!r} is not a profile; choose from {', '.join(sorted(profiles))}",
                                 param_hint="--profile")
    return profiles[name]


def analysis_report(evaluation: Evaluation, zone: tzinfo = UTC) -> dict[str, Any]:
    """The SPEC §2.2 JSON object for a finished evaluation with at least one temperature reading, its
    times in `zone`."""
    stats, partition = evaluation.stats, evaluation.partition
    if stats is None or evaluation.start is None or evaluation.end is None:
        raise ValueError("an analysis needs at least one temperature reading")
    return {
        "readings": evaluation.readings, "start": iso_time(evaluation.start, zone),
        "end": iso_time(evaluation.end, zone),
        "min_c": round(stats.min_c, 2), "max_c": round(stats.max_c, 2),
        "mean_c": round(stats.mean_c, 2), "mkt_c": round(stats.mkt_c, 2),
        "time_in_range_s": partition.in_range_s, "time_above_s": partition.above_s,
        "time_below_s": partition.below_s, "time_no_data_s": partition.no_data_s,
        "excursions": [_excursion_entry(excursion, zone) for excursion in evaluation.excursions],
        "verdict": "alarm" if evaluation.alarm else "pass",
        "duplicates_dropped": evaluation.duplicates,  # rows whose time repeated an earlier row's
    }


def _excursion_entry(excursion: Excursion, zone: tzinfo) -> dict[str, Any]:
    return {"rule": excursion.rule, "kind": excursion.kind, "mode": excursion.mode,
            "severity": excursion.severity, "start": iso_time(excursion.start, zone),
            "end": None if excursion.end is None else iso_time(excursion.end, zone),
            "duration_s": excursion.duration_s,
            "peak": None if excursion.peak is None else round(excursion.peak, 2)}


def iso_time(moment: datetime, zone: tzinfo = UTC) -> str:
    """ISO 8601 in `zone` with its offset, e.g. 2026-11-24T13:00:00+07:00; UTC as Z: 2026-11-24T06:00:00Z."""
    return moment.astimezone(zone).isoformat().replace("+00:00", "Z")


def readable_report(file_name: str, profile: StorageProfile, evaluation: Evaluation,
                    report: Mapping[str, Any]) -> str:
    """The same figures as the JSON object, laid out for people."""
    dropped = f" ({evaluation.duplicates} repeated times dropped)" if evaluation.duplicates else ""
    lines = [
        f"{file_name}: {report['readings']} readings{dropped}",
        f"  from {report['start']} to {report['end']} ({duration_text(evaluation.partition.total_s)})",
        f"  judged by {profile.name} v{profile.version} ({_range_text(profile)}), reading interval "
        f"{duration_text(evaluation.cadence.interval.total_seconds())}, "
        f"hold {duration_text(evaluation.cadence.hold.total_seconds())}",
        f"temperature  min {report['min_c']:.2f} °C, max {report['max_c']:.2f} °C, "
        f"mean {report['mean_c']:.2f} °C, MKT {report['mkt_c']:.2f} °C",
        f"time         in range {duration_text(report['time_in_range_s'])}, "
        f"above {duration_text(report['time_above_s'])}, below {duration_text(report['time_below_s'])}, "
        f"no data {duration_text(report['time_no_data_s'])}",
        f"excursions   {len(report['excursions']) or 'none'}",
        *(f"  {_excursion_line(entry)}" for entry in report["excursions"]),
        f"verdict      {report['verdict'].upper()}",
    ]
    return "\n".join(lines)


def _range_text(profile: StorageProfile) -> str:
    low, high = profile.min_c, profile.max_c
    if low is None:
        return f"≤ {high:g} °C"
    return f"≥ {low:g} °C" if high is None else f"{low:g} to {high:g} °C"


def _excursion_line(entry: Mapping[str, Any]) -> str:
    mode, start, end = entry["mode"], entry["start"], entry["end"]
    if mode == ExcursionMode.EVENT:
        when = f"at {start}"
    elif mode == ExcursionMode.CUMULATIVE:
        when = f"budget reached {start}, {duration_text(entry['duration_s'])} beyond in all"
    else:
        when = f"{start} → {end or 'still running'}, {duration_text(entry['duration_s'])}"
    unit = "g" if entry["kind"] == ExcursionKind.SHOCK else "°C"
    peak = "" if entry["peak"] is None else f", peak {entry['peak']:.2f} {unit}"
    return f"{entry['severity']:<8} {entry['rule']} ({entry['kind']}, {mode}): {when}{peak}"


def duration_text(seconds: float) -> str:
    """A duration for people: 1 d 2 h 5 min 30 s, leaving out zero parts."""
    whole = round(seconds)
    if whole == 0:
        return "0 s" if seconds == 0 else f"{seconds:.3g} s"
    parts = []
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts)


COMMANDS = (analyze,)
