"""AppTest: administration (admin only) and methodology (everyone)."""

from __future__ import annotations

import pytest

from tests.fixtures import app_as, shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_methodology_lists_every_indicator_and_marks_unconfirmed_floors(demo_env: str, lang: str) -> None:
    at = app_as("demo-990102", lang, page="methodology.py")
    assert not at.exception, [e.value for e in at.exception]
    frames = at.dataframe
    assert len(frames) == 2
    indicators = frames[0].value
    assert len(indicators) >= 100
    assert indicators.iloc[:, 7].astype(str).str.endswith("*").any(), "unconfirmed floors carry a *"


def test_admin_sees_users_and_can_add_one(demo_env: str) -> None:
    at = app_as("demo-admin", "zh", page="admin.py")
    assert not at.exception, [e.value for e in at.exception]
    users = at.dataframe[0].value
    assert "demo-province" in set(users.iloc[:, 0])
    at.text_input(key="admin_new_username").input("new-official-1")
    at.text_input(key="admin_new_scope").input("990121")
    at.text_input(key="admin_new_password").input("a-Long-enough-passw0rd")
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("new-official-1" in shown(s.value) for s in at.success), [e.value for e in at.error]


def test_official_cannot_open_admin_page_even_by_path(demo_env: str) -> None:
    at = app_as("demo-990102", "en")
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not registered for officials
        at.switch_page("app_pages/admin.py").run()


def test_the_audit_log_shows_beijing_time(demo_env: str) -> None:
    """Stored in UTC, shown as Beijing time (UTC+8) like every other time in the app."""
    from datetime import timedelta

    from assessment.store import Store

    with Store(demo_env) as store:
        newest = store.audit_log()["at"].iloc[-1]
    at = app_as("demo-admin", "zh", page="admin.py")
    assert not at.exception, [e.value for e in at.exception]
    audit = next(f.value for f in at.dataframe if {"at", "actor", "action"} <= set(f.value.columns))
    shown_times = list(audit["at"])
    assert all("+00:00" not in str(x) for x in shown_times)
    assert (newest + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M 北京时间") in shown_times[:5]
