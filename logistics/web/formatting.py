"""Template filters: times in a site's own zone with its UTC offset, ages, quantities and temperatures,
each written the way the reader's language writes them (CLDR data through Babel)."""

from __future__ import annotations

import math
from datetime import date, datetime

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal, format_percent, format_scientific
from flask import Flask
from flask_babel import ngettext

from logistics.core.clock import in_zone
from logistics.core.quantities import plain_number
from logistics.web import db
from logistics.web.i18n import gettext as _
from logistics.web.i18n import locale


def local_time(value: datetime | None, zone: str | None = None) -> str:
    """"Nov 24, 2026, 19:30 +07:00" ("24 พ.ย. 2026 19:30 น. +07:00" in Thai) in `zone` (default: the
    display zone); "—" for no time. The offset is always shown: staff read times of several zones."""
    if value is None:
        return "—"
    moment = in_zone(value, zone or db.runtime().settings.display_timezone)
    reader = locale()
    clock = format_skeleton("Hm", moment, locale=reader)
    both = str(reader.datetime_formats["medium"]).format(clock, format_date(moment, "medium", locale=reader))
    offset = moment.strftime("%z")
    return f"{both} {offset[:3]}:{offset[3:]}"


def value_shown(value: object, zone: str | None = None) -> object:
    """A recorded value as the audit trail shows it: a moment in `zone` (as `local_time`), else as it is."""
    return local_time(value, zone) if isinstance(value, datetime) else value


def day(value: date | None) -> str:
    """A calendar day such as an expiry date, in the reader's format; "—" for none."""
    return "—" if value is None else format_date(value, "medium", locale=locale())


def short_day(value: date) -> str:
    """A day without its year, for a chart's axis: "Dec 6"."""
    return format_skeleton("MMMd", value, locale=locale())


def month(period: str) -> str:
    """A calendar month kept as "2026-04", as the reader's language writes it: "Apr 2026"."""
    year, number = (int(part) for part in period.split("-"))
    return format_skeleton("yMMM", date(year, number, 1), locale=locale())


def input_time(value: datetime | None, zone: str) -> str:
    """A time as a datetime-local form value in `zone`."""
    return "" if value is None else in_zone(value, zone).strftime("%Y-%m-%dT%H:%M")


# Beyond this a figure is written as 1.7E30: Babel's decimal formatting gives up on larger values, and
# a page must show whatever number is stored rather than fail on it.
LARGEST_PLAIN = 1e12


def quantity(value: float) -> str:
    """A quantity with as many decimals as it has (up to six), grouped for the reader's locale."""
    return _decimal(value, "#,##0.######")


def number(value: float, decimals: int = 1) -> str:
    """A measurement to a fixed number of decimals: 5.0, 12.4."""
    return _decimal(value, "#,##0." + "0" * decimals if decimals else "#,##0")


def _decimal(value: float, pattern: str) -> str:
    if not math.isfinite(value):
        return "—"
    if abs(value) >= LARGEST_PLAIN:
        return format_scientific(value, format="0.###E0", locale=locale())
    return format_decimal(value, format=pattern, locale=locale())


def percent(share: float) -> str:
    """A share such as a probability as a whole percentage, written as the reader's language does."""
    return format_percent(share, locale=locale()) if math.isfinite(share) else "—"


def day_count(value: float) -> str:
    """A number of days with its noun in the reader's language: 1 day, 1.5 days."""
    return ngettext("%(days)s day", "%(days)s days", 1 if value == 1 else 2, days=quantity(value))


def percent_down(share: float) -> str:
    """A chance of being ready as a whole percentage rounded down: 94.9 % short of a 95 % threshold
    reads 94 %, never the 95 % it falls short of."""
    return percent(math.floor(share * 100 + 1e-9) / 100) if math.isfinite(share) else "—"


def celsius(value: float | None) -> str:
    return "—" if value is None else f"{number(value)} °C"


def hours(seconds: float) -> str:
    return _("%(h)s h", h=number(seconds / 3600))


def minutes(seconds: float) -> str:
    return _("%(m)s min", m=number(seconds / 60, 0))


def age(value: datetime | None, now: datetime) -> str:
    """How long ago, in the largest unit that says it: "40 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    if value is None:
        return _("never")
    seconds = max(int((now - value).total_seconds()), 0)
    if seconds < 60:
        return _("%(s)s s", s=seconds)
    m, h, d = seconds // 60, seconds // 3600, seconds // 86400
    if h < 1:
        return _("%(m)s min", m=m)
    if d < 1:
        return _("%(h)s h %(m)s min", h=h, m=m % 60) if m % 60 else _("%(h)s h", h=h)
    return _("%(d)s d %(h)s h", d=d, h=h % 24) if h % 24 else _("%(d)s d", d=d)


def install_filters(app: Flask) -> None:
    for name, function in (("localtime", local_time), ("day", day), ("inputtime", input_time),
                           ("qty", quantity), ("number", number), ("celsius", celsius),
                           ("percent", percent), ("percent_down", percent_down), ("days", day_count),
                           ("short_day", short_day),
                           ("month", month), ("hours", hours), ("minutes", minutes), ("age", age),
                           ("plain", plain_number), ("value", value_shown)):
        app.add_template_filter(function, name)
