import pytest

from logistics.core.awb import normalise_awb


@pytest.mark.parametrize("text", ["160-48122034", "16048122034", "160 4812203 4", " 160-48122034 "])
def test_valid_waybills_are_normalised(text):
    assert normalise_awb(text) == "160-48122034"


def test_a_wrong_check_digit_is_refused_with_the_right_one():
    with pytest.raises(ValueError, match="check digit should be 4, not 5"):
        normalise_awb("160-48122035")


@pytest.mark.parametrize("text", ["160-4812203", "ABC-48122034", "", "160-481220344"])
def test_malformed_waybills_are_refused(text):
    with pytest.raises(ValueError, match="11 digits"):
        normalise_awb(text)
