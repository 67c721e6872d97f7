"""The depth guard on JSON from loggers agrees with the parsed document's depth, whatever strings hold."""

import json

from hypothesis import given
from hypothesis import strategies as st

from sensors.json_text import nested_deeper_than


def depth(document: object) -> int:
    if isinstance(document, dict):
        return 1 + max(map(depth, document.values()), default=0)
    if isinstance(document, list):
        return 1 + max(map(depth, document), default=0)
    return 0


# Strings full of what the guard must not mistake for structure: brackets, quotes and backslashes.
tricky_text = st.text(alphabet='[]{}"\\/ ab\n\t', max_size=8)
documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=60,
)


@given(documents, st.integers(min_value=0, max_value=12), st.booleans())
def test_the_guard_measures_the_parsed_depth(document, limit, ascii_only):
    raw = json.dumps(document, ensure_ascii=ascii_only).encode()
    assert nested_deeper_than(raw, limit) == (depth(document) > limit)


def test_the_limit_is_exact_for_each_kind_of_nesting():
    for opener, closer in (("[", "]"), ('{"a":', "}"), ('[{"b":', "}]")):
        for levels in (15, 16, 17):
            raw = (opener * levels + "1" + closer * levels).encode()
            assert nested_deeper_than(raw, 32) == (depth(json.loads(raw)) > 32)
