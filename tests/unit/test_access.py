"""Access policy (issue 6 item 1): every role x action x in-scope / out-of-scope case, on the pure
policy (:mod:`assessment.domain.access`) from a wide table. The same rules enforced through the
:class:`Store` on a real SQLite file are in tests/integration/test_access_store.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.domain import access
from assessment.domain.access import ACTIONS, AccessDenied, allowed, region_filter, require, visible_regions
from tests.fixtures import store_tree as tree

TREE = tree()  # 990000 > 990100 (990101..990104), 990200 (990201, 990202)


@dataclass(frozen=True)
class U:
    username: str
    role: str
    scope_region_code: str | None
    disabled: bool = False


OFFICIAL = U("wang", "official", "990101")
PREF_OFFICIAL = U("zhao", "official", "990100")  # consolidates Jia City's counties
PREF_EVAL = U("li", "evaluator", "990100")
PROV_EVAL = U("zhang", "evaluator", "990000")
ADMIN = U("root", "admin", None)
SYSTEM = U("system", "admin", None)
DISABLED = U("gone", "evaluator", "990000", disabled=True)
FAKE_SYSTEM = U("system", "official", "990101")  # the name alone grants nothing

REGION_ACTIONS = ("view", "download_template", "upload", "review", "export", "set_standard", "set_deadline")
GLOBAL_ACTIONS = (
    "manage_users",
    "manage_regions",
    "manage_editions",
    "manage_settings",
    "view_audit",
    "download_original",
)

# (user, action, region, expected). Regions: own scope, below it, above it, a sibling elsewhere,
# a code not in the tree.
CASES = [
    # official of a county: own region only, and only view / template / upload
    (OFFICIAL, "view", "990101", True),
    (OFFICIAL, "view", "990102", False),
    (OFFICIAL, "view", "990100", False),
    (OFFICIAL, "view", "990000", False),
    (OFFICIAL, "download_template", "990101", True),
    (OFFICIAL, "download_template", "990201", False),
    (OFFICIAL, "upload", "990101", True),
    (OFFICIAL, "upload", "990102", False),
    (OFFICIAL, "upload", "123456", False),
    (OFFICIAL, "review", "990101", False),
    (OFFICIAL, "export", "990101", False),
    (OFFICIAL, "set_standard", "990101", False),
    (OFFICIAL, "set_deadline", "990101", False),
    # official of a prefecture: uploads and views its counties (batch consolidation)
    (PREF_OFFICIAL, "upload", "990103", True),
    (PREF_OFFICIAL, "upload", "990201", False),
    (PREF_OFFICIAL, "view", "990100", True),
    (PREF_OFFICIAL, "view", "990000", False),
    (PREF_OFFICIAL, "review", "990103", False),
    # prefecture evaluator: its jurisdiction and below
    (PREF_EVAL, "view", "990100", True),
    (PREF_EVAL, "view", "990104", True),
    (PREF_EVAL, "view", "990201", False),
    (PREF_EVAL, "view", "990000", False),
    (PREF_EVAL, "view", "123456", False),
    (PREF_EVAL, "review", "990102", True),
    (PREF_EVAL, "review", "990202", False),
    (PREF_EVAL, "export", "990100", True),
    (PREF_EVAL, "export", "990000", False),
    (PREF_EVAL, "download_template", "990101", True),
    (PREF_EVAL, "set_standard", "990100", True),
    (PREF_EVAL, "set_standard", "990101", False),  # a county's standard is not the prefecture's
    (PREF_EVAL, "set_standard", "990000", False),
    (PREF_EVAL, "set_standard", "990200", False),
    (PREF_EVAL, "set_deadline", "990100", True),  # its own jurisdiction's deadline (issue 16)
    (PREF_EVAL, "set_deadline", "990000", False),
    (PREF_EVAL, "set_deadline", "990101", False),
    (PREF_EVAL, "upload", "990101", False),
    # provincial evaluator
    (PROV_EVAL, "view", "990202", True),
    (PROV_EVAL, "review", "990202", True),
    (PROV_EVAL, "export", "990000", True),
    (PROV_EVAL, "set_standard", "990000", True),
    (PROV_EVAL, "set_standard", "990100", False),
    (PROV_EVAL, "set_deadline", "990000", True),
    (PROV_EVAL, "upload", "990101", False),
    # admin: sees everything, manages, but does not upload, review or set standards
    (ADMIN, "view", "990202", True),
    (ADMIN, "view", None, True),
    (ADMIN, "export", "990000", True),
    (ADMIN, "download_template", "990101", True),
    (ADMIN, "set_deadline", "990000", True),
    (ADMIN, "upload", "990101", False),
    (ADMIN, "review", "990101", False),
    (ADMIN, "set_standard", "990000", False),
    # an upload's original bytes (may run formulas or links when opened): administrators only
    (ADMIN, "download_original", "990101", True),
    (SYSTEM, "download_original", "990101", True),
    (PROV_EVAL, "download_original", "990101", False),
    (PREF_EVAL, "download_original", "990101", False),
    (OFFICIAL, "download_original", "990101", False),
    # the built-in maintenance account may do everything; a look-alike with another role may not
    (SYSTEM, "upload", "990101", True),
    (SYSTEM, "review", "990202", True),
    (SYSTEM, "set_standard", "990100", True),
    (FAKE_SYSTEM, "review", "990101", False),
    (FAKE_SYSTEM, "upload", "990102", False),
    # region-bound actions with no region are refused to scoped users
    (PROV_EVAL, "view", None, False),
    (OFFICIAL, "upload", None, False),
]
CASES += [
    (u, a, None, u in (ADMIN, SYSTEM))
    for u in (OFFICIAL, PREF_EVAL, PROV_EVAL, ADMIN, SYSTEM)
    for a in GLOBAL_ACTIONS
]
CASES += [(DISABLED, a, r, False) for a in ACTIONS for r in ("990000", "990101", None)]
CASES += [(None, a, "990101", False) for a in ACTIONS]


@pytest.mark.parametrize(("user", "action", "region", "expected"), CASES)
def test_policy_matrix(user: U | None, action: str, region: str | None, expected: bool) -> None:
    assert allowed(user, action, region, TREE) is expected
    if expected:
        require(user, action, region, TREE)
    else:
        with pytest.raises(AccessDenied):
            require(user, action, region, TREE)


def test_every_action_and_role_is_covered_by_the_matrix() -> None:
    seen = {(u.role if u else None, a) for u, a, _, _ in CASES}
    for role in ("official", "evaluator", "admin"):
        assert {a for r, a in seen if r == role} == set(ACTIONS), role


def test_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        allowed(ADMIN, "delete_everything", None, TREE)


def test_refusal_names_only_the_asked_region_in_both_languages() -> None:
    with pytest.raises(AccessDenied) as err:
        require(PREF_EVAL, "review", "990201", TREE)
    problem = err.value.problems[0]
    assert err.value.code == "access.denied"
    assert "990201" in problem.message_zh and "990201" in problem.message_en
    assert "审核" in problem.message_zh and "review" in problem.message_en
    for leak in ("990100", "990000", "li", "zhang", "evaluator"):  # own scope, others, names, roles
        assert leak not in problem.message_en and leak not in problem.message_zh


def test_disabled_user_gets_the_disabled_message() -> None:
    with pytest.raises(AccessDenied) as err:
        require(DISABLED, "view", "990101", TREE)
    assert err.value.code == "access.disabled"


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (OFFICIAL, {"990101"}),
        (PREF_EVAL, {"990100", "990101", "990102", "990103", "990104"}),
        (PROV_EVAL, {r.code for r in TREE}),
        (ADMIN, {r.code for r in TREE}),
        (DISABLED, set()),
        (U("lost", "evaluator", "123456"), set()),
        (U("noscope", "official", None), set()),
        (None, set()),
    ],
)
def test_visible_regions(user: U | None, expected: set[str]) -> None:
    assert visible_regions(user, TREE) == expected


def test_region_filter_limits_scoped_users_and_refuses_asked_codes_outside() -> None:
    assert region_filter(ADMIN, TREE) is None
    assert region_filter(OFFICIAL, TREE) == ["990101"]
    assert region_filter(PREF_EVAL, TREE, ["990102", "990101"]) == ["990101", "990102"]
    with pytest.raises(AccessDenied) as err:
        region_filter(PREF_EVAL, TREE, ["990101", "990202"])
    assert "990202" in err.value.problems[0].message_en


USERS = st.sampled_from([OFFICIAL, PREF_OFFICIAL, PREF_EVAL, PROV_EVAL, ADMIN, SYSTEM, DISABLED])
CODES = st.one_of(st.sampled_from([r.code for r in TREE]), st.text(min_size=0, max_size=8))


@given(user=USERS, code=CODES)
def test_visible_regions_agree_with_allowed_view(user: U, code: str) -> None:
    assert (code in visible_regions(user, TREE)) == (allowed(user, "view", code, TREE) and code in TREE)


@given(code=CODES, action=st.sampled_from(REGION_ACTIONS))
def test_narrower_scope_never_allows_more(code: str, action: str) -> None:
    """What a prefecture evaluator may do on a region below it, the provincial one may view too;
    and nothing outside the tree is allowed to a scoped user."""
    if allowed(PREF_EVAL, action, code, TREE) and action in ("view", "review", "export"):
        assert allowed(PROV_EVAL, action, code, TREE)
    if code not in TREE:
        for user in (OFFICIAL, PREF_OFFICIAL, PREF_EVAL, PROV_EVAL):
            assert not allowed(user, action, code, TREE)


def test_policy_module_is_pure() -> None:
    import ast
    from pathlib import Path

    source = Path(access.__file__).read_text(encoding="utf-8")
    imported = {(n.module or "") for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m.startswith(("assessment.store", "sqlalchemy", "streamlit")) for m in imported)
