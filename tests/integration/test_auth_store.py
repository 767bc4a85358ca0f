"""Sign-in (issue 6 items 2-5): passwords, lockout, single sign-on mapping, demo accounts, and the
audit trail of each, on a real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from assessment.auth import signin as auth
from assessment.auth.accounts import create_account, link_identity, set_disabled, set_password, unthrottle
from assessment.auth.signin import (
    DEMO_ACCOUNTS,
    FREE_ATTEMPTS,
    FREE_SOURCE_ATTEMPTS,
    MAX_DELAY,
    AuthError,
    authenticate,
    claim_identities,
    demo_active,
    demo_sign_in,
    identity_user,
    seed_demo_accounts,
    sso_sign_in,
)
from assessment.domain.access import AccessDenied
from assessment.store import Store, StoreError
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, count_rows, use_fast_hashing

PASSWORD = "correct horse battery"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap Argon2 parameters in tests (one test below checks the real ones and the upgrade)."""
    use_fast_hashing(monkeypatch)


@pytest.fixture
def accounts(store: Store) -> Iterator[Store]:
    """The store with passwords for official1 and evaluator1."""
    set_password(store, ADMIN, OFFICIAL, PASSWORD)
    set_password(store, ADMIN, EVALUATOR, PASSWORD + "!")
    yield store


def test_real_parameters_and_rehash_on_sign_in(accounts: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hash made with weaker parameters is upgraded to the current ones at the next sign-in."""
    monkeypatch.setattr(auth, "HASHER", PasswordHasher())  # the production parameters
    assert PasswordHasher().check_needs_rehash(accounts.get_user(OFFICIAL).password_hash)
    authenticate(accounts, OFFICIAL, PASSWORD, T0)
    new_hash = accounts.get_user(OFFICIAL).password_hash
    assert "m=65536,t=3,p=4" in new_hash and not PasswordHasher().check_needs_rehash(new_hash)
    assert authenticate(accounts, OFFICIAL, PASSWORD, T0).username == OFFICIAL


def test_password_changes_need_a_user_manager(accounts: Store) -> None:
    with pytest.raises(AccessDenied):
        set_password(accounts, EVALUATOR, OFFICIAL, "a brand new phrase")
    with pytest.raises(AccessDenied):
        set_disabled(accounts, OFFICIAL, EVALUATOR)
    with pytest.raises(StoreError) as err:
        set_password(accounts, ADMIN, "system", "a brand new phrase")
    assert err.value.code == "auth.system_no_password"
    log = accounts.audit_log(action="user.password")
    assert log["object_id"].tolist() == [OFFICIAL, EVALUATOR] and set(log["actor"]) == {ADMIN}


# -- signing in -------------------------------------------------------------------------------------
def test_right_password_signs_in_and_is_audited(accounts: Store) -> None:
    user = authenticate(accounts, f"  {OFFICIAL} ", PASSWORD, T0)
    assert (user.username, user.role, user.scope_region_code) == (OFFICIAL, "official", "990000")
    last = accounts.audit_log(action="sign_in").iloc[-1]
    assert (last["actor"], last["object_id"], last["details"]) == (OFFICIAL, OFFICIAL, {"method": "password"})


@pytest.mark.parametrize("username", [OFFICIAL, "nobody", "system", ADMIN])  # ADMIN has no password
def test_wrong_credentials_get_one_message_whoever_it_is(accounts: Store, username: str) -> None:
    with pytest.raises(AuthError) as err:
        authenticate(accounts, username, "wrong password!", T0)
    assert err.value.code == "auth.bad_credentials"
    text = str(err.value)
    assert username not in text and "990000" not in text
    failed = accounts.audit_log(action="sign_in_failed")
    assert failed["actor"].tolist() == [username]


def test_empty_username_fails_without_an_audit_row(accounts: Store) -> None:
    with pytest.raises(AuthError) as err:
        authenticate(accounts, "   ", PASSWORD, T0)
    assert err.value.code == "auth.bad_credentials"
    assert accounts.audit_log(action="sign_in_failed").empty


def _fail(
    store: Store, name: str, at: datetime, *, source: str | None = None, password: str = "wrong"
) -> str:
    """One refused sign-in; the refusal's code."""
    with pytest.raises(AuthError) as err:
        authenticate(store, name, password, at, source=source)
    return err.value.code


def test_failures_throttle_the_name_but_never_lock_the_account(accounts: Store) -> None:
    """Issue 15 point 5: after a few failures a name has to wait (1 s, doubling, at most 15 min);
    meanwhile even the right password is refused, and once the wait is over it works."""
    codes = [_fail(accounts, OFFICIAL, T0) for _ in range(FREE_ATTEMPTS)]
    assert codes == ["auth.bad_credentials"] * (FREE_ATTEMPTS - 1) + ["auth.throttled_seconds"]
    # within the wait the right password is refused too (else the throttle tells a guesser)
    assert _fail(accounts, OFFICIAL, T0, password=PASSWORD) == "auth.throttled_seconds"
    # a second later it works: no lock, and the count starts again
    assert authenticate(accounts, OFFICIAL, PASSWORD, T0 + timedelta(seconds=1)).username == OFFICIAL
    assert _fail(accounts, OFFICIAL, T0 + timedelta(seconds=2)) == "auth.bad_credentials"
    assert accounts.audit_log(action="user.locked").empty


def test_the_wait_grows_to_at_most_fifteen_minutes_then_the_right_password_works(accounts: Store) -> None:
    at = T0
    delays = []
    for _ in range(FREE_ATTEMPTS + 14):  # each failure right after the previous wait ended
        with pytest.raises(AuthError) as err:
            authenticate(accounts, OFFICIAL, "wrong", at)
        until = accounts.sign_in_waits(at).get(OFFICIAL)
        if until is not None:
            delays.append((until - at).total_seconds())
            at = until
    assert delays[:4] == [1, 2, 4, 8] and max(delays) == MAX_DELAY.total_seconds()
    assert err.value.code == "auth.throttled_minutes" and "15" in err.value.problems[0].message_en
    assert "15 分钟" in err.value.problems[0].message_zh
    # another account is not affected; after the (at most 15-minute) wait the right password works
    assert authenticate(accounts, EVALUATOR, PASSWORD + "!", at).username == EVALUATOR
    assert _fail(accounts, OFFICIAL, at - timedelta(seconds=1), password=PASSWORD) == "auth.throttled_seconds"
    assert authenticate(accounts, OFFICIAL, PASSWORD, at).username == OFFICIAL
    assert accounts.sign_in_waits(at) == {}
    reasons = [d["reason"] for d in accounts.audit_log(action="sign_in_failed", actor=OFFICIAL)["details"]]
    assert reasons == ["password"] * (FREE_ATTEMPTS + 14) + ["throttled"]


def test_failures_are_forgotten_after_an_hour(accounts: Store) -> None:
    for _ in range(FREE_ATTEMPTS - 1):
        _fail(accounts, OFFICIAL, T0)
    assert _fail(accounts, OFFICIAL, T0 + timedelta(hours=1, seconds=1)) == "auth.bad_credentials"
    assert _fail(accounts, OFFICIAL, T0 + timedelta(hours=1, seconds=2)) == "auth.bad_credentials"


def test_unknown_and_known_names_get_the_same_answers(accounts: Store) -> None:
    """Same codes and texts, failure after failure, for a real account, an unknown name, an account
    without a password and the system account: the throttle does not tell which names exist."""
    answers = {}
    for name in (OFFICIAL, "nobody", ADMIN, "system"):
        seen = []
        for i in range(FREE_ATTEMPTS + 2):
            with pytest.raises(AuthError) as err:
                authenticate(accounts, name, "wrong", T0 + timedelta(milliseconds=300 * i))
            seen.append((err.value.code, err.value.problems[0].message_zh, err.value.problems[0].message_en))
        answers[name] = seen
    assert answers[OFFICIAL] == answers["nobody"] == answers[ADMIN] == answers["system"]
    assert answers["nobody"][-1][0] == "auth.throttled_seconds"
    assert all(name not in str(a) for name, seen in answers.items() for a in seen)


def test_one_source_is_throttled_across_names(accounts: Store) -> None:
    """Per source: one address trying many names has to wait, another address does not."""
    names = [f"guess{i}" for i in range(FREE_SOURCE_ATTEMPTS)]
    codes = [_fail(accounts, n, T0, source="203.0.113.7") for n in names]
    assert codes[:-1] == ["auth.bad_credentials"] * (FREE_SOURCE_ATTEMPTS - 1)
    assert codes[-1] == "auth.throttled_seconds"
    # the right password from that address waits too; from another address it works at once
    assert _fail(accounts, OFFICIAL, T0, source="203.0.113.7", password=PASSWORD) == "auth.throttled_seconds"
    assert authenticate(accounts, OFFICIAL, PASSWORD, T0, source="198.51.100.2").username == OFFICIAL
    failed = accounts.audit_log(action="sign_in_failed")
    assert failed.iloc[-1]["details"] == {"reason": "throttled", "source": "203.0.113.7"}


def test_success_resets_the_failure_count(accounts: Store) -> None:
    for _ in range(FREE_ATTEMPTS - 1):
        _fail(accounts, OFFICIAL, T0)
    authenticate(accounts, OFFICIAL, PASSWORD, T0)
    assert _fail(accounts, OFFICIAL, T0) == "auth.bad_credentials"  # the count started again


def test_admin_clears_the_wait_and_a_new_password_too(accounts: Store) -> None:
    for _ in range(FREE_ATTEMPTS + 5):
        _fail(accounts, OFFICIAL, T0)
    assert accounts.sign_in_waits(T0) == {OFFICIAL: T0 + timedelta(seconds=1)}  # waiting: not counted
    with pytest.raises(AccessDenied):
        unthrottle(accounts, EVALUATOR, OFFICIAL)
    assert unthrottle(accounts, ADMIN, OFFICIAL) is True
    assert unthrottle(accounts, ADMIN, OFFICIAL) is False
    assert authenticate(accounts, OFFICIAL, PASSWORD, T0).username == OFFICIAL
    log = accounts.audit_log(action="user.unlock")
    assert log["actor"].tolist() == [ADMIN, ADMIN] and [d["cleared"] for d in log["details"]] == [True, False]
    for _ in range(FREE_ATTEMPTS):
        _fail(accounts, OFFICIAL, T0)
    set_password(accounts, ADMIN, OFFICIAL, "a brand new phrase")
    assert authenticate(accounts, OFFICIAL, "a brand new phrase", T0).username == OFFICIAL


def test_user_columns_of_the_old_lockout_are_no_longer_written(accounts: Store) -> None:
    for _ in range(FREE_ATTEMPTS + 3):
        _fail(accounts, OFFICIAL, T0)
    user = accounts.get_user(OFFICIAL)
    assert (user.failed_attempts, user.locked_until) == (0, None)


def test_disabled_account_is_told_only_after_the_right_password(accounts: Store) -> None:
    set_disabled(accounts, ADMIN, OFFICIAL)
    with pytest.raises(AuthError) as err:
        authenticate(accounts, OFFICIAL, "wrong password!", T0)
    assert err.value.code == "auth.bad_credentials"
    with pytest.raises(AuthError) as err:
        authenticate(accounts, OFFICIAL, PASSWORD, T0)
    assert err.value.code == "auth.disabled"
    assert accounts.audit_log(action="user.disable")["actor"].tolist() == [ADMIN]
    set_disabled(accounts, ADMIN, OFFICIAL, False)
    assert authenticate(accounts, OFFICIAL, PASSWORD, T0).username == OFFICIAL


ISS = "https://sso.example.gov.cn"
OTHER_ISS = "https://evil.example.com"


def _claims(iss: str = ISS, sub: str = "AbC-123", **more: object) -> dict[str, object]:
    return {"is_logged_in": True, "iss": iss, "sub": sub, **more}


def test_sso_maps_issuer_and_subject_to_the_user_record(store: Store) -> None:
    create_account(store, ADMIN, "sso.wang", "official", "990102", identity=f"{ISS} AbC-123")
    assert store.get_user("sso.wang").external_identity == f"{ISS} AbC-123"
    user = sso_sign_in(store, claim_identities(_claims()), T0)
    assert (user.username, user.scope_region_code) == ("sso.wang", "990102")
    assert store.audit_log(action="sign_in").iloc[-1]["details"] == {"method": "sso"}
    with pytest.raises(AuthError):  # no password: cannot sign in locally
        authenticate(store, "sso.wang", "anything at all", T0)


@pytest.mark.parametrize(
    "claims",
    [
        _claims(iss=OTHER_ISS),  # the same subject at another provider is somebody else
        _claims(sub="abc-123"),  # subjects are case-sensitive
        _claims(sub="AbC-123 "),
        {"is_logged_in": True, "sub": "AbC-123"},  # no issuer
    ],
)
def test_sso_subject_needs_the_exact_issuer_and_subject(store: Store, claims: dict) -> None:
    create_account(store, ADMIN, "sso.wang", "official", "990102", identity=f"{ISS} AbC-123")
    with pytest.raises(AuthError) as err:
        sso_sign_in(store, claim_identities(claims, {ISS}), T0)
    assert err.value.code == "auth.sso_unknown"


EMAIL_CASES = [
    (_claims(sub="x", email="Wang@EXAMPLE.gov.cn", email_verified=True), {ISS}, "sso.wang"),
    (_claims(sub="x", email="Wang@example.gov.cn"), {ISS}, None),  # not verified
    (_claims(sub="x", email="Wang@example.gov.cn", email_verified="true"), {ISS}, None),
    (_claims(sub="x", email="Wang@example.gov.cn", email_verified=True), set(), None),  # no issuer listed
    (_claims(iss=OTHER_ISS, sub="x", email="Wang@example.gov.cn", email_verified=True), {ISS}, None),
    (_claims(sub="Wang@example.gov.cn"), {ISS}, None),  # a subject that looks like an e-mail is no e-mail
    (_claims(sub="Wang@example.gov.cn", email_verified=True), {ISS}, None),
]


@pytest.mark.parametrize(("claims", "issuers", "expected"), EMAIL_CASES)
def test_sso_email_needs_verification_and_an_allowed_issuer(
    store: Store, claims: dict, issuers: set, expected: str | None
) -> None:
    create_account(store, ADMIN, "sso.wang", "official", "990102", identity="Wang@Example.gov.cn")
    assert store.get_user("sso.wang").external_identity == "email:Wang@example.gov.cn"
    if expected is None:
        with pytest.raises(AuthError) as err:
            sso_sign_in(store, claim_identities(claims, issuers), T0)
        assert err.value.code == "auth.sso_unknown"
    else:
        assert sso_sign_in(store, claim_identities(claims, issuers), T0).username == expected


def test_allowed_email_issuers_come_from_the_environment(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_account(store, ADMIN, "sso.wang", "official", "990102", identity="email:wang@example.gov.cn")
    claims = _claims(sub="x", email="wang@example.gov.cn", email_verified=True)
    monkeypatch.delenv("ASSESSMENT_SSO_EMAIL_ISSUERS", raising=False)
    with pytest.raises(AuthError):
        sso_sign_in(store, claim_identities(claims), T0)
    monkeypatch.setenv("ASSESSMENT_SSO_EMAIL_ISSUERS", f"https://other.example, {ISS}")
    assert sso_sign_in(store, claim_identities(claims), T0).username == "sso.wang"


def test_unknown_sso_identity_is_refused_politely_and_no_account_is_made(store: Store) -> None:
    before = count_rows(store)["users"]
    with pytest.raises(AuthError) as err:
        sso_sign_in(store, claim_identities(_claims(sub="stranger-sub")), T0)
    assert err.value.code == "auth.sso_unknown"
    assert (
        "administrator" in err.value.problems[0].message_en and "管理员" in err.value.problems[0].message_zh
    )
    assert "stranger" not in str(err.value)
    assert count_rows(store)["users"] == before
    row = store.audit_log(action="sign_in_failed").iloc[-1]
    assert row["actor"] == f"sso:{ISS} stranger-sub"
    # the whole identity is in the log, for the administrator to link
    assert row["details"] == {"reason": "unknown_identity", "identity": f"{ISS} stranger-sub"}


def test_disabled_sso_user_is_refused(store: Store) -> None:
    create_account(store, ADMIN, "sso.li", "evaluator", "990000", identity=f"{ISS} li-sub")
    set_disabled(store, ADMIN, "sso.li")
    with pytest.raises(AuthError) as err:
        sso_sign_in(store, claim_identities(_claims(sub="li-sub")), T0)
    assert err.value.code == "auth.disabled"


def test_identity_is_linked_to_one_account_only(store: Store) -> None:
    create_account(store, ADMIN, "a1", "official", "990101", identity="same@EXAMPLE.com")
    with pytest.raises(AuthError) as err:
        create_account(store, ADMIN, "a2", "official", "990102", identity="same@example.COM")
    assert err.value.code == "auth.identity_taken"
    assert store.get_user("a2") is None
    # subjects differing only in case are different identities
    create_account(store, ADMIN, "a3", "official", "990101", identity=f"{ISS} Sub")
    create_account(store, ADMIN, "a4", "official", "990102", identity=f"{ISS} sub")
    assert identity_user(store, f"{ISS} sub").username == "a4"
    with pytest.raises(StoreError) as err2:
        link_identity(store, ADMIN, "a4", f"{ISS}  Sub")
    assert err2.value.code == "auth.identity_taken"


@pytest.mark.parametrize("bad", ["just-a-sub", "sub with no issuer", "ftp://x sub", "email:nobody"])
def test_identity_without_issuer_is_refused_with_the_format(store: Store, bad: str) -> None:
    with pytest.raises(AuthError) as err:
        create_account(store, ADMIN, "a1", "official", "990101", identity=bad)
    assert err.value.code == "auth.identity_format"
    assert "ISSUER SUBJECT" in err.value.problems[0].message_en


def test_system_account_cannot_be_reached_by_sso(store: Store) -> None:
    with pytest.raises(AuthError):
        sso_sign_in(store, ["system"], T0)


@pytest.mark.parametrize(
    ("role", "scope", "code"),
    [("official", None, "auth.scope_required"), ("evaluator", "123456", "auth.unknown_scope")],
)
def test_account_needs_a_known_scope(store: Store, role: str, scope: str | None, code: str) -> None:
    with pytest.raises(AuthError) as err:
        create_account(store, ADMIN, "newbie", role, scope, password=PASSWORD)
    assert err.value.code == code
    assert store.get_user("newbie") is None


def test_only_user_managers_create_accounts(store: Store) -> None:
    with pytest.raises(AccessDenied):
        create_account(store, EVALUATOR, "newbie", "official", "990101", password=PASSWORD)
    assert store.get_user("newbie") is None


# -- demo -------------------------------------------------------------------------------------------
def test_demo_accounts_only_in_a_demo_database(store: Store) -> None:
    before = count_rows(store)["users"]
    with pytest.raises(AuthError) as err:
        seed_demo_accounts(store)
    assert err.value.code == "auth.not_demo"
    assert count_rows(store)["users"] == before
    assert not demo_active(store, {"ASSESSMENT_DEMO": "1"})  # the variable alone is not enough
    with pytest.raises(AuthError):
        demo_sign_in(store, "demo-admin", environ={"ASSESSMENT_DEMO": "1"})


def test_demo_accounts_cover_every_role_and_sign_in_with_one_click(store: Store) -> None:
    store.set_setting("system", "demo", "1")
    created = seed_demo_accounts(store)
    assert created == tuple(a.username for a in DEMO_ACCOUNTS)
    assert seed_demo_accounts(store) == ()  # idempotent
    made = {u.username: u for u in store.users() if u.username.startswith("demo-")}
    assert {u.role for u in made.values()} == {"admin", "evaluator", "official"}
    assert made["demo-province"].scope_region_code == "990000"
    assert made["demo-jia"].scope_region_code == "990100"
    assert sum(u.role == "official" for u in made.values()) >= 3
    assert all(u.password_hash is None for u in made.values())  # no demo password anywhere
    assert not demo_active(store, {})  # the database alone is not enough either
    assert demo_active(store, {"ASSESSMENT_DEMO": "1"})
    user = demo_sign_in(store, "demo-990123", T0, environ={"ASSESSMENT_DEMO": "1"})
    assert user.scope_region_code == "990123"
    assert store.audit_log(action="sign_in").iloc[-1]["details"] == {"method": "demo"}
    for name in (OFFICIAL, ADMIN, "system"):  # only demo accounts have one-click sign-in
        with pytest.raises(AuthError):
            demo_sign_in(store, name, environ={"ASSESSMENT_DEMO": "1"})
    with pytest.raises(AuthError):
        demo_sign_in(store, "demo-admin", environ={"ASSESSMENT_DEMO": "0"})


def test_sign_out_is_audited(accounts: Store) -> None:
    auth.sign_out(accounts, OFFICIAL)
    auth.sign_out(accounts, OFFICIAL, reason="session_expired")
    assert accounts.audit_log(actor=OFFICIAL)["action"].tolist()[-2:] == ["sign_out", "session_expired"]


def _median_ms(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] * 1000


def test_unknown_and_known_names_take_the_same_time(accounts: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15 point 5, in time: with the production Argon2 parameters a wrong password for a real
    account and any password for an unknown name cost the same (the same verification, the same
    writes), on a first failure and once the name is throttled (the old lockout answered a locked
    real name at once but an unknown one only after Argon2). Medians of 15 each, interleaved, with
    generous bounds: the machine is shared and noisy."""
    import time

    monkeypatch.setattr(auth, "HASHER", PasswordHasher())  # the production parameters
    auth._dummy_hash.cache_clear()
    set_password(accounts, ADMIN, OFFICIAL, PASSWORD)  # a real-parameter hash

    def timed(name: str, at: datetime) -> tuple[float, str]:
        start = time.perf_counter()
        with pytest.raises(AuthError) as err:
            authenticate(accounts, name, "wrong password", at)
        return time.perf_counter() - start, err.value.code

    first: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(15):
        at = T0 + timedelta(hours=2 * i)  # each round after the failures are forgotten
        for kind, name in (("known", OFFICIAL), ("unknown", f"nobody{i}")):
            took, code = timed(name, at)
            assert code == "auth.bad_credentials"
            first[kind].append(took)
    later = T0 + timedelta(days=2)
    for name in (OFFICIAL, "nobody"):
        for _ in range(FREE_ATTEMPTS):
            timed(name, later)
    waiting: dict[str, list[float]] = {"known": [], "unknown": []}
    for _ in range(15):
        for kind, name in (("known", OFFICIAL), ("unknown", "nobody")):
            took, code = timed(name, later)
            waiting[kind].append(took)
    medians = {
        f"{phase} {kind}": _median_ms(v)
        for phase, found in (("first", first), ("waiting", waiting))
        for kind, v in found.items()
    }
    print({k: round(v, 1) for k, v in medians.items()})  # milliseconds, for the record
    assert 0.5 < medians["first known"] / medians["first unknown"] < 2, medians
    # while waiting neither verifies a password: both answer at once (within a quarter of an Argon2
    # verification of each other; the old lockout differed by a whole one)
    assert abs(medians["waiting known"] - medians["waiting unknown"]) < medians["first unknown"] / 4, medians
