"""What the engine's results say beyond the excursions: the sides of a range no rule watches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from logistics.core.excursion_types import LoggerSummary, Sample, Window
from logistics.core.excursions import evaluate
from logistics.core.profiles import ExcursionKind
from logistics.readers.config_files import load_profiles

START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
PROFILES = load_profiles()


def summary(profile: str, temperatures: list[float]) -> LoggerSummary:
    samples = [Sample(START + timedelta(minutes=5 * i), value) for i, value in enumerate(temperatures)]
    window = Window(START, START + timedelta(minutes=5 * len(temperatures)))
    evaluation = evaluate(samples, PROFILES[profile], window=window)
    return LoggerSummary("LG-1", PROFILES[profile], evaluation, window)


def test_frozen_goods_on_dry_ice_are_below_a_side_no_rule_watches():
    on_dry_ice = summary("frozen", [-75.0] * 12)
    assert on_dry_ice.evaluation.partition.below_s == 12 * 5 * 60 and not on_dry_ice.evaluation.excursions
    assert on_dry_ice.unjudged == (ExcursionKind.BELOW,)


def test_a_side_some_rule_watches_is_judged_even_without_an_excursion():
    assert summary("refrigerated", [5.0, 1.5, 5.0, 9.0, 5.0]).unjudged == ()  # 5 min each side: no excursion
    assert summary("frozen", [-20.0, -14.0, -20.0]).unjudged == ()  # above: the frozen rules watch warming


def test_time_in_range_leaves_nothing_unjudged():
    assert summary("frozen", [-20.0] * 6).unjudged == ()
