"""Sign-in throttling: counts per account and address over a window, hashed keys, old rows forgotten."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from audit.protection.throttle import clear_account, record_failure, throttled
from audit.settings import Settings
from audit.store.models import LoginFailure, utcnow

SETTINGS = Settings(login_max_failures_per_account=3, login_max_failures_per_address=5, login_throttle_minutes=10)


def test_an_account_is_paused_after_its_limit_and_freed_when_the_window_passes(session):
    now = utcnow()
    for n in range(3):
        assert not throttled(session, SETTINGS, "Pat", f"10.0.0.{n}", now)
        record_failure(session, SETTINGS, "Pat", f"10.0.0.{n}", now)
    assert throttled(session, SETTINGS, " pat ", "10.9.9.9", now), "the username as typed, case and spaces aside"
    assert not throttled(session, SETTINGS, "sam", "10.9.9.9", now)
    assert not throttled(session, SETTINGS, "pat", "10.9.9.9", now + timedelta(minutes=11))


def test_an_address_is_paused_across_usernames_and_a_success_clears_only_the_account(session):
    now = utcnow()
    for n in range(5):
        record_failure(session, SETTINGS, f"user{n}", "192.0.2.1", now)
    assert throttled(session, SETTINGS, "anyone", "192.0.2.1", now)
    assert not throttled(session, SETTINGS, "anyone", "192.0.2.2", now)
    record_failure(session, SETTINGS, "kim", "192.0.2.3", now)
    clear_account(session, "kim")
    assert session.exec(select(LoginFailure).where(LoginFailure.kind == "address")).all()


def test_no_username_or_address_is_stored_in_clear_and_old_rows_are_deleted(session):
    old = utcnow() - timedelta(hours=1)
    record_failure(session, SETTINGS, "pat", "198.51.100.1", old)
    record_failure(session, SETTINGS, "pat", "198.51.100.1", utcnow())
    rows = session.exec(select(LoginFailure)).all()
    assert len(rows) == 2, "the hour-old pair was deleted when the new one came in"
    assert all(len(r.key) == 64 and "pat" not in r.key and "198" not in r.key for r in rows)
