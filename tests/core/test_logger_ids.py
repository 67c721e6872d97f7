"""A logger id is safe as an MQTT user name, client id and single topic level, and never the ingest's."""

from __future__ import annotations

import pytest

from logistics.core.logger_ids import RULE, logger_id_problem


@pytest.mark.parametrize("code", ["LG-24009", "TT4G.24009", "lg_1", "A1", "9" * 64])
def test_plain_ids_are_accepted(code: str) -> None:
    assert logger_id_problem(code) is None


@pytest.mark.parametrize("code", [
    "", "L", "9" * 65, "LG/1", "LG+1", "LG#1", "+", "#", "$SYS", "$share", "-LG", ".LG", "_LG",
    "LG 1", "LG\t1", "LG-1\n", "LG\x001", "LG\x7f1", "LG:1", "LG-А1", "ＬＧ1", "LG%u",
], ids=repr)
def test_unsafe_ids_are_refused_with_the_rule(code: str) -> None:
    assert logger_id_problem(code) == RULE


def test_the_rule_names_what_is_allowed_and_why() -> None:
    assert RULE == ("use 2 to 64 letters, digits and . _ - starting with a letter or digit "
                    "(it is the MQTT user name, client id and a topic level)")


@pytest.mark.parametrize("code", ["ingest", "Ingest", "logistics-ingest", "LOGISTICS-INGEST", "tracker"])
def test_the_ingests_names_are_reserved_whatever_their_case(code: str) -> None:
    problem = logger_id_problem(code, reserved=["logistics-ingest", "tracker"])

    assert problem == f"{code!r} is reserved for the ingest's MQTT user name or client id"
