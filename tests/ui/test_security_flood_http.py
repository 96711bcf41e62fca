"""Issue 9, item 9, over real HTTP: a script flooding /create_project is stopped at the
per-creator limit, sees why in the creator's words, and nothing past the limit is written."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from gradio_client import Client
from gradio_client.exceptions import AppError
from sqlmodel import func, select

from studio.db.tables import AvatarProject
from studio.db.types import utcnow
from tests.ui.studio_server import running_studio


@pytest.fixture
def studio_url(tmp_path, pg_url):
    with running_studio(tmp_path / "data", pg_url, STUDIO_PROJECTS_PER_MINUTE="5",
                        STUDIO_PROJECTS_MAX="8") as (studio, url):
        yield studio, url


def projects_in(studio) -> int:
    with studio.db.session() as session:
        return session.exec(select(func.count()).select_from(AvatarProject)).one()


def flood(client: Client, n: int) -> tuple[int, list[str]]:
    made, refusals = 0, []
    for i in range(n):
        try:
            client.predict(f"flood {i}", "", api_name="/create_project")
            made += 1
        except AppError as exc:
            refusals.append(str(exc))
    return made, refusals


def test_a_flood_of_projects_stops_at_the_limit_with_the_reason(studio_url):
    studio, url = studio_url
    client = Client(url, verbose=False)

    made, refusals = flood(client, 15)
    assert made == 5 and len(refusals) == 10 and projects_in(studio) == 5
    assert all(re.fullmatch(r"You made 5 projects in the last minute; wait (\d+ seconds|a minute) and try again\.", r)
               for r in refusals), refusals[:2]

    # A minute later (the rows are made older rather than waiting one out) the creator can make
    # more, up to what one account may hold.
    with studio.db.session() as session:
        session.execute(sa.update(AvatarProject).values(created_at=utcnow() - timedelta(seconds=61)))
    made, refusals = flood(client, 6)
    assert made == 3 and projects_in(studio) == 8
    assert set(refusals) == {"You have 8 projects, the most one account can hold; delete some first."}
