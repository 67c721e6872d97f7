"""Where `next` may lead: a path on this site, judged as a browser would read it."""

import pytest

from logistics.core.redirects import same_site_path
from tests.web.test_next_redirects import HOSTILE


@pytest.mark.parametrize("target", HOSTILE)
def test_a_target_that_could_leave_the_site_is_refused(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize("target", [
    "/", "/shipments", "/shipments?status=arrived&page=2", "/shipments/HG-2026-0045#legs",
    "/x?next=//evil.example", "/%2F/evil.example", "/search?q=a b", "/สินค้า",
])
def test_a_path_on_this_site_is_kept_with_its_query_and_fragment(target):
    assert same_site_path(target) == target
