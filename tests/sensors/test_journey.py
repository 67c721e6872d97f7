"""The journey model: deterministic, evenly sampled, in range unless an excursion or a drop is injected."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from sensors.journey import (
    PACKOUT_C,
    PROFILES,
    SITES,
    UPPER_LIMIT_C,
    Phase,
    SimReading,
    default_journey,
    journey_duration,
    simulate_journey,
)

START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
FIVE_MINUTES = 300.0


def readings(*, seed: int = 1, profile: str = "refrigerated", interval_s: float = FIVE_MINUTES,
             **journey: object) -> list[SimReading]:
    phases = default_journey(profile=profile, **journey)  # type: ignore[arg-type]
    return list(simulate_journey(phases, start=START, interval_s=interval_s, profile=profile,
                                 rng=random.Random(seed)))


def runs_above(rows: list[SimReading], limit: float) -> list[list[SimReading]]:
    """Maximal runs of consecutive readings above the limit."""
    runs: list[list[SimReading]] = []
    current: list[SimReading] = []
    for row in rows:
        if row.temp_c > limit:
            current.append(row)
        elif current:
            runs.append(current)
            current = []
    return runs + ([current] if current else [])


def test_the_same_seed_gives_the_same_journey_and_another_seed_does_not():
    assert readings(seed=7) == readings(seed=7)
    assert readings(seed=7) != readings(seed=8)


@pytest.mark.parametrize("interval_s", [60.0, FIVE_MINUTES, 600.0, 3600.0])
def test_readings_are_evenly_spaced_from_the_start_and_numbered(interval_s):
    rows = readings(interval_s=interval_s)

    assert rows[0].time == START
    assert {b.time - a.time for a, b in zip(rows, rows[1:], strict=False)} == {timedelta(seconds=interval_s)}
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))


def test_the_journey_lasts_the_sum_of_its_phases():
    phases = default_journey(customs_hours=30.0)
    rows = list(simulate_journey(phases, start=START, interval_s=FIVE_MINUTES, profile="refrigerated",
                                 rng=random.Random(1)))

    assert journey_duration(phases) == timedelta(hours=sum(phase.hours for phase in phases))
    assert journey_duration(phases) == timedelta(hours=30.0 + 0.5 + 3.0 + 1.0 + 2.75 + 1.0 + 1.5 + 0.5)
    # The last reading is taken at the end (the length is a whole number of intervals here).
    assert rows[-1].time == START + journey_duration(phases)


def test_phases_follow_the_route_and_only_the_flight_is_silent():
    phases = default_journey()

    assert [phase.name for phase in phases] == ["packout", "truck", "tarmac", "flight", "tarmac", "customs",
                                                "courier", "delivered"]
    assert [phase.name for phase in phases if phase.silent] == ["flight"]


def test_each_reading_names_the_phase_it_was_taken_in():
    phases = default_journey(via="SZX")
    rows = list(simulate_journey(phases, start=START, interval_s=FIVE_MINUTES, profile="refrigerated",
                                 rng=random.Random(1)))
    elapsed = START
    for phase in phases:
        end = elapsed + timedelta(hours=phase.hours)
        inside = [row for row in rows if elapsed <= row.time < end]
        assert inside and {row.phase for row in inside} == {phase.name}
        elapsed = end


@pytest.mark.parametrize("seed", range(10))
def test_a_refrigerated_journey_without_injection_stays_within_2_to_8_c(seed):
    temperatures = [row.temp_c for row in readings(seed=seed, customs_hours=96.0)]

    assert 2.0 <= min(temperatures) and max(temperatures) <= 8.0


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_starts_at_its_pack_out_temperature_and_stays_below_its_limit(profile):
    rows = readings(profile=profile)

    assert rows[0].temp_c == pytest.approx(PACKOUT_C[profile], abs=0.1)
    assert max(row.temp_c for row in rows) <= UPPER_LIMIT_C[profile]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("profile", PROFILES)
def test_an_injected_excursion_crosses_the_limit_once_for_30_to_90_minutes_on_the_tarmac(profile, seed):
    rows = readings(seed=seed, profile=profile, inject_excursion=True)

    runs = runs_above(rows, UPPER_LIMIT_C[profile])

    longest = max(runs, key=len)
    assert 30 <= len(longest) * FIVE_MINUTES / 60 <= 90
    assert longest[0].phase == "tarmac"
    assert sum(len(run) for run in runs) - len(longest) <= 2  # at most noise flicker at its edges


def test_the_excursion_does_not_depend_on_the_logging_interval():
    every_minute = runs_above(readings(interval_s=60.0, inject_excursion=True), 8.0)

    assert 30 <= max(len(run) for run in every_minute) <= 90


def test_handling_gives_small_shocks_and_an_injected_drop_gives_exactly_one_hard_one():
    calm = [row.shock_g for row in readings() if row.shock_g is not None]
    dropped = readings(inject_shock=True)

    assert calm and all(1.0 <= shock <= 4.0 for shock in calm)
    hard = [row for row in dropped if row.shock_g is not None and row.shock_g >= 15.0]
    assert len(hard) == 1 and hard[0].phase == "courier"


def test_the_logger_travels_from_the_warehouse_via_the_airport_to_the_hospital():
    for via in ("HKG", "SZX"):
        rows = readings(via=via)
        at_the_apron = next(row for row in rows if row.phase == "tarmac")

        assert (rows[0].lat, rows[0].lon) == pytest.approx(SITES["warehouse"], abs=0.001)
        assert (at_the_apron.lat, at_the_apron.lon) == pytest.approx(SITES[via], abs=0.001)
        assert (rows[-1].lat, rows[-1].lon) == pytest.approx(SITES["siriraj"], abs=0.001)


def test_the_battery_drains_slowly_and_never_rises():
    rows = readings(customs_hours=96.0)
    levels = [row.battery for row in rows]

    assert levels == sorted(levels, reverse=True)
    assert 80.0 < levels[-1] < levels[0] <= 100.0


def test_a_custom_journey_uses_its_own_phases():
    phases = [Phase("packout", 1.0, 20.0, 0.04), Phase("flight", 1.0, 15.0, 0.04, silent=True)]

    rows = list(simulate_journey(phases, start=START, interval_s=1800, profile="frozen",
                                 rng=random.Random(1), first_seq=100))

    assert [(row.seq, row.phase) for row in rows] == [(100, "packout"), (101, "packout"), (102, "flight"),
                                                      (103, "flight"), (104, "flight")]


@pytest.mark.parametrize(("change", "message"), [
    ({"profile": "tepid"}, "unknown profile"),
    ({"interval_s": 0}, "interval_s"),
    ({"start": datetime(2026, 11, 20)}, "time zone"),
])
def test_bad_arguments_are_refused(change, message):
    arguments = {"start": START, "interval_s": FIVE_MINUTES, "profile": "refrigerated",
                 "rng": random.Random(1), **change}

    with pytest.raises(ValueError, match=message):
        list(simulate_journey(default_journey(), **arguments))


def test_an_unknown_airport_is_refused():
    with pytest.raises(ValueError, match="via"):
        default_journey(via="CAN")
