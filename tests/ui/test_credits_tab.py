"""The Credits tab's ledger: one batch's refunds read as one row, with the right total and balance."""

from __future__ import annotations

from studio.enums import LedgerKind
from studio.services import credits, users
from studio.ui.credits_tab import ledger_rows


def _refund(studio, user_id: int, generation_id: int, item_id: int) -> None:
    with studio.db.session() as session:
        credits.post(session, user_id=user_id, kind=LedgerKind.refund, amount=2,
                     key=f"refund:{generation_id}:{item_id}", reason="image not made",
                     reference=f"generation:{generation_id}:item:{item_id}")


def _charge(studio, user_id: int, generation_id: int, amount: int) -> None:
    with studio.db.session() as session:
        credits.post(session, user_id=user_id, kind=LedgerKind.charge, amount=-amount,
                     key=f"charge:{generation_id}", reason="pose images", reference=f"generation:{generation_id}")


def test_a_cancelled_batchs_refunds_show_as_one_row_with_their_total(studio):
    ana = users.get_or_create(studio.db, name="ana", starter_credits=100)
    _charge(studio, ana.id, 7, 24)
    for item_id in range(1, 11):  # a batch of 12 cancelled after 2: ten refunds of 2 credits
        _refund(studio, ana.id, 7, item_id)
    _charge(studio, ana.id, 8, 4)
    _refund(studio, ana.id, 8, 50)

    rows = ledger_rows(credits.ledger(studio.db, user_id=ana.id, limit=100))

    kinds = [(row[1], row[2], row[4], row[5]) for row in rows]
    assert kinds == [
        ("refund", "+2", "image not made", "generation:8"),
        ("charge", "-4", "pose images", "generation:8"),
        ("refund", "+20", "10 images not made", "generation:7"),
        ("charge", "-24", "pose images", "generation:7"),
        ("grant", "+100", kinds[-1][2], kinds[-1][3]),
    ]
    # Each row's balance is the balance after it, so the grouped row still reads true.
    assert [row[3] for row in rows] == [94, 92, 96, 76, 100]
    assert credits.balance(studio.db, user_id=ana.id) == rows[0][3]
