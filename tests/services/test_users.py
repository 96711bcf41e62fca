"""Users appear on first sight with exactly one starter grant."""

from __future__ import annotations

import threading

from sqlmodel import select

from studio.db.tables import CreditLedger, User
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
