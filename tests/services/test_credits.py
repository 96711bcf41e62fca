"""Credits core: one ledger entry per key, charges that cannot overdraw, the daily quota."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from studio.db.tables import CreditAccount
from studio.enums import LedgerKind
from studio.services import credits, users
from studio.services.errors import InsufficientCredits, QuotaExceeded


def test_a_key_posts_once_and_the_balance_is_the_ledger_sum(studio):
    uid = users.get_or_create(studio.db, name="ana", starter_credits=100).id
    with studio.db.session() as session:
        first = credits.post(session, user_id=uid, kind=LedgerKind.charge, amount=-40, key="k1")
        again = credits.post(session, user_id=uid, kind=LedgerKind.charge, amount=-40, key="k1")
    assert first.created and not again.created and again.entry.id == first.entry.id
    assert credits.balance(studio.db, user_id=uid) == 60 == credits.ledger_sum(studio.db, user_id=uid)
    with pytest.raises(InsufficientCredits, match="costs 61 credits but your balance is 60"):
        with studio.db.session() as session:
            credits.post(session, user_id=uid, kind=LedgerKind.charge, amount=-61, key="k2")
    assert credits.balance(studio.db, user_id=uid) == 60 == credits.ledger_sum(studio.db, user_id=uid)


def test_concurrent_charges_never_overdraw(studio):
    uid = users.get_or_create(studio.db, name="ana", starter_credits=100).id
    ok = []
    barrier = threading.Barrier(16)

    def one(n):
        barrier.wait()
        try:
            with studio.db.session() as session:
                credits.post(session, user_id=uid, kind=LedgerKind.charge, amount=-15, key=f"c{n}")
            ok.append(n)
        except InsufficientCredits:
            pass

    threads = [threading.Thread(target=one, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ok) == 6
    assert credits.balance(studio.db, user_id=uid) == 10 == credits.ledger_sum(studio.db, user_id=uid)


def test_quota_resets_on_a_new_utc_day_and_never_on_a_request(studio):
    uid = users.get_or_create(studio.db, name="ana", starter_credits=0).id
    credits.set_unlimited(studio.db, user_id=uid, active=True, daily_quota=3,
                          expires_at=datetime(2026, 12, 31, tzinfo=timezone.utc))
    day = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
    with studio.db.session() as session:
        credits.consume_quota(session, user_id=uid, poses=2, now=day)
    for later in (day + timedelta(hours=1), day.replace(hour=23, minute=59, second=59)):
        with pytest.raises(QuotaExceeded, match="1 are left"):
            with studio.db.session() as session:
                credits.consume_quota(session, user_id=uid, poses=2, now=later)
    with studio.db.session() as session:
        account = session.get(CreditAccount, uid)
        assert credits.quota_left(account, day) == 1
        assert credits.quota_left(account, day + timedelta(days=1)) == 3
        credits.consume_quota(session, user_id=uid, poses=3, now=datetime(2026, 5, 5, 0, 0, tzinfo=timezone.utc))
    with studio.db.session() as session:
        credits.return_quota(session, user_id=uid, poses=2, day=date(2026, 5, 4))  # yesterday's: nothing back
        assert session.get(CreditAccount, uid).quota_used == 3
        credits.return_quota(session, user_id=uid, poses=2, day=date(2026, 5, 5))
    with studio.db.session() as session:
        account = session.get(CreditAccount, uid)
        assert (account.quota_used, account.quota_day) == (1, date(2026, 5, 5))
        assert credits.unlimited_active(account, datetime(2026, 6, 1, tzinfo=timezone.utc))
        assert not credits.unlimited_active(account, datetime(2027, 1, 1, tzinfo=timezone.utc))
