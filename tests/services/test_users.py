"""Users appear on first sight with exactly one starter grant."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import select

from studio.db.tables import CreditLedger, User
from studio.db.types import utcnow
from studio.services import credits, users


def test_new_user_gets_exactly_one_starter_grant_under_concurrency(studio):
    barrier = threading.Barrier(4)
    seen: list[int] = []
    errors: list[BaseException] = []

    def first_visit():
        try:
            barrier.wait()
            seen.append(users.get_or_create(studio.db, name="newcomer", starter_credits=200).id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=first_visit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(seen)) == 1
    with studio.db.session() as s:
        assert len(s.exec(select(User).where(User.name == "newcomer")).all()) == 1
        grants = s.exec(select(CreditLedger).where(CreditLedger.user_id == seen[0])).all()
    assert [(g.kind, g.amount) for g in grants] == [("grant", 200)]
    assert credits.balance(studio.db, user_id=seen[0]) == 200


def test_returning_user_is_not_granted_again(studio):
    first = users.get_or_create(studio.db, name="ana", starter_credits=50)
    again = users.get_or_create(studio.db, name="ana", starter_credits=50)
    assert first.id == again.id
    assert credits.balance(studio.db, user_id=first.id) == 50
    assert credits.ledger_sum(studio.db, user_id=first.id) == 50


@contextmanager
def writes(db):
    """The statements that write (or, on SQLite, take the write lock) run inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE", "BEGIN IMMEDIATE")):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def last_seen(studio, user_id):
    with studio.db.session() as s:
        return s.get(User, user_id).last_seen_at


def test_a_visit_is_written_at_most_once_a_minute(studio):
    first = utcnow()
    ana = users.get_or_create(studio.db, name="ana", now=first)
    with writes(studio.db) as seen:
        again = users.get_or_create(studio.db, name="ana", now=first + timedelta(seconds=59))
    assert seen == [] and again.id == ana.id
    assert last_seen(studio, ana.id) == first
    later = first + timedelta(seconds=61)
    with writes(studio.db) as seen:
        users.get_or_create(studio.db, name="ana", now=later)
    assert any(s.lstrip().upper().startswith("UPDATE USERS") for s in seen)
    assert last_seen(studio, ana.id) == later


def test_a_changed_admin_flag_is_written_at_once(studio):
    first = utcnow()
    users.get_or_create(studio.db, name="ana", now=first)
    promoted = users.get_or_create(studio.db, name="ana", is_admin=True, now=first + timedelta(seconds=1))
    assert promoted.is_admin and users.by_name(studio.db, "ana").is_admin


def test_find_is_none_before_the_first_visit_and_refuses_bad_names(studio):
    import pytest

    from studio.services.errors import InvalidInput

    assert users.find(studio.db, "ben") is None
    made = users.get_or_create(studio.db, name="ben", starter_credits=200)
    assert users.find(studio.db, "ben").id == made.id
    for bad in ("", "ben smith", "-ben", "x" * 101):
        with pytest.raises(InvalidInput, match="not valid"):
            users.find(studio.db, bad)
    assert users.check_name("ana.b@example") == "ana.b@example"
