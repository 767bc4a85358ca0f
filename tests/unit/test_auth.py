"""Sign-in (issue 6 items 2-5), the pure half: password hashing and rules, idle expiry and single
sign-on claims. The database half is in tests/integration/test_auth_store.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assessment.auth import signin as auth
from assessment.auth.signin import (
    AuthError,
    claim_identities,
    hash_password,
    password_problems,
    session_expired,
    verify_password,
)
from tests.fixtures import use_fast_hashing

PASSWORD = "correct horse battery"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap Argon2 parameters in tests (one test below checks the real ones and the upgrade)."""
    use_fast_hashing(monkeypatch)


# -- passwords --------------------------------------------------------------------------------------
def test_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD.upper())
    assert not verify_password("not-a-hash", PASSWORD)
    assert hash_password(PASSWORD) != hashed  # salted


@pytest.mark.parametrize(
    ("password", "username", "codes"),
    [
        ("short", "", ["auth.weak_password_short"]),
        ("x" * 11, "", ["auth.weak_password_short"]),  # issue 15: at least 12 characters
        ("x" * 12, "", ["auth.weak_password_common"]),  # long enough, but a pattern
        ("x" * 1025, "", ["auth.weak_password_long"]),
        ("wang.fang.12", "Wang.Fang.12", ["auth.weak_password_username"]),
        ("春眠不觉晓处处闻啼鸟夜来", "", []),  # any characters count
    ],
)
def test_password_rules(password: str, username: str, codes: list[str]) -> None:
    problems = password_problems(password, username)
    assert [p.code for p in problems] == codes
    assert all(p.message_zh and p.message_en for p in problems)
    if codes:
        with pytest.raises(AuthError):
            hash_password(password, username)


@pytest.mark.parametrize(
    ("last_seen", "now", "expired"),
    [
        (None, T0, True),
        (T0, T0, False),
        (T0, T0 + timedelta(minutes=29, seconds=59), False),
        (T0, T0 + timedelta(minutes=30), True),
        (T0.replace(tzinfo=None), T0 + timedelta(minutes=31), True),  # naive is UTC
        (T0, T0 - timedelta(minutes=5), False),  # clock skew: not expired
    ],
)
def test_session_expiry(last_seen: datetime | None, now: datetime, expired: bool) -> None:
    assert session_expired(last_seen, now) is expired
    assert session_expired(T0, T0 + timedelta(minutes=5), timedelta(minutes=5)) is True


def test_session_expired_message_is_clear() -> None:
    err = auth.session_expired_error()
    assert "30" in err.problems[0].message_en and "sign in again" in err.problems[0].message_en


# -- single sign-on ---------------------------------------------------------------------------------
ISS = "https://id.x.cn"


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (
            {"iss": ISS, "sub": "abc", "email": "a@X.cn", "email_verified": True},
            [f"{ISS} abc", "email:a@x.cn"],
        ),
        ({"iss": ISS, "sub": "abc", "email": "a@x.cn"}, [f"{ISS} abc"]),  # unverified e-mail: no identity
        ({"iss": ISS, "sub": "abc", "email": "a@x.cn", "email_verified": "true"}, [f"{ISS} abc"]),
        (
            {"iss": "https://other", "sub": "abc", "email": "a@x.cn", "email_verified": True},
            ["https://other abc"],
        ),
        ({"sub": "abc", "email": "a@x.cn", "email_verified": True}, []),  # no issuer: nothing
        (
            {"iss": ISS, "sub": "A@X.cn", "email_verified": True},
            [f"{ISS} A@X.cn"],
        ),  # a sub is never an e-mail
        ({"iss": ISS, "sub": "  ", "is_logged_in": True}, []),
    ],
)
def test_claim_identities(claims: dict, expected: list[str]) -> None:
    assert claim_identities(claims, {ISS}) == expected


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://id.x.cn  AbC", "https://id.x.cn AbC"),
        ("https://id.x.cn a sub with spaces", "https://id.x.cn a sub with spaces"),
        ("Li@X.CN", "email:Li@x.cn"),
        ("email:Li@X.CN", "email:Li@x.cn"),
        ("  ", None),
    ],
)
def test_parse_identity(typed: str, stored: str | None) -> None:
    assert auth.parse_identity(typed) == stored


def test_email_issuers_from_the_environment() -> None:
    env = {"ASSESSMENT_SSO_EMAIL_ISSUERS": " https://a.cn,https://b.cn  https://c.cn "}
    assert auth.email_issuers(env) == {"https://a.cn", "https://b.cn", "https://c.cn"}
    assert auth.email_issuers({}) == frozenset()


@pytest.mark.parametrize(
    "weak",
    ["aaaaaaaaaaaa", "password1234", " " * 12, "qwertyuiop12", "123456789012", "zhangwei1234"],
)
def test_common_and_patterned_passwords_are_refused(weak: str) -> None:
    # issue 15: twelve characters are not enough when they are a common password or a pattern
    from assessment.auth.signin import password_problems

    codes = [p.code for p in password_problems(weak, "zhangwei")]
    assert codes in (["auth.weak_password_common"], ["auth.weak_password_username"]), codes
    assert all(p.message_zh and p.message_en for p in password_problems(weak, "zhangwei"))


def test_a_long_uncommon_phrase_passes_and_eleven_characters_do_not() -> None:
    from assessment.auth.signin import MIN_PASSWORD, password_problems

    assert MIN_PASSWORD == 12
    assert password_problems(PASSWORD, "zhangwei") == []
    assert [p.code for p in password_problems("Xq7#kP2!vL9", "u")] == ["auth.weak_password_short"]
