"""The Admin tab as an admin uses it in Chromium: answer pose requests with the form as it first
appears, grant credits to a creator before their first visit, read the health list."""

from __future__ import annotations

from sqlmodel import select

from studio.db.tables import User
from studio.enums import AuthSource
from studio.services import credits, pose_requests, users
from tests.ui.studio_server import AUTH, LOGINS, running_studio
from tests.ui.test_studio_browser import fill, open_tab, shoot, wait_for


def sign_in(page, url: str, user: str) -> None:
    # Gradio's login form posts here; the cookie lands in the page's browser context.
    answer = page.request.post(f"{url}/login", form={"username": user, "password": LOGINS[user]})
    assert answer.ok, answer.status
    page.goto(url)
    page.wait_for_selector("#studio-balance", timeout=60_000)


def pick(page, elem_id: str, label: str) -> None:
    page.locator(f"#{elem_id} input").first.click()
    page.get_by_role("option", name=label).click()


def test_admin_answers_requests_grants_before_a_first_visit_and_reads_health(page, browser, tmp_path):
    with running_studio(tmp_path / "data", STUDIO_AUTH=AUTH, STUDIO_ADMINS="ana") as (studio, url):
        cleo = users.get_or_create(studio.db, name="cleo", auth_source=AuthSource.password)
        jump = pose_requests.create_request(studio, user_id=cleo.id, name="Jumping jack",
                                            description="Arms and legs out, mid-air")
        wheel = pose_requests.create_request(studio, user_id=cleo.id, name="Cartwheel",
                                             description="Hands on the floor, legs up")
        assert users.find(studio.db, "ben") is None

        sign_in(page, url, "ana")
        assert "Signed in as ana" in page.locator("#studio-user").inner_text()
        open_tab(page, "Admin")

        # Health: one readable line per part, not raw JSON.
        health = page.locator("#admin-health-list")
        wait_for(lambda: health.count() and "Orphan sweep" in health.inner_text(), what="the health list")
        text = health.inner_text()
        for part in ("✓ Database", "✓ Queue / workers", "Disk / media", "Orphan sweep"):
            assert part in text, text
        assert "{" not in text

        # Nothing picked yet: the message names the field instead of a number-box error.
        page.locator("#admin-approve").click()
        wait_for(lambda: "Request: pick one from the list first" in page.locator("#admin-answer-note").inner_text(),
                 what="the missing-field message")

        pick(page, "admin-request", f"#{jump.id} Jumping jack")
        page.locator("#admin-approve").click()
        note = page.locator("#admin-answer-note")
        wait_for(lambda: "approved" in note.inner_text(), what="the approval")
        pick(page, "admin-request", f"#{wheel.id} Cartwheel")
        page.locator("#admin-reject").click()
        wait_for(lambda: "rejected" in note.inner_text(), what="the rejection")
        answered = {r.id: r.status for r in pose_requests.list_all_requests(studio.db, admin_id=users.find(
            studio.db, "ana").id)}
        assert answered == {jump.id: "approved", wheel.id: "rejected"}
        assert "Value 0" not in page.content()

        # Credits for ben, who has never visited.
        fill(page, "admin-grant-user", "ben")
        fill(page, "admin-grant-reason", "Launch giveaway")
        page.locator("#admin-grant").click()
        result = page.locator("#admin-grant-result")
        wait_for(lambda: "no account yet" in result.inner_text(), what="the grant")
        starter = studio.settings.starter_credits
        assert f"balance is now {starter + 100}" in result.inner_text()
        shoot(page, "tab-admin")

        ben_page = browser.new_context().new_page()
        try:
            sign_in(ben_page, url, "ben")
            assert ben_page.locator("#studio-balance").inner_text().strip() == str(starter + 100)
            # Still exactly one welcome grant: the first visit found the account the admin made.
            assert credits.balance(studio.db, user_id=users.find(studio.db, "ben").id) == starter + 100
        finally:
            ben_page.context.close()

        # A name nobody could sign in with is refused, naming the field, and makes no account.
        fill(page, "admin-grant-user", "ben smith")
        page.locator("#admin-grant").click()
        wait_for(lambda: "User name: user name 'ben smith' is not valid" in page.content(), what="the refusal")
        with studio.db.session() as session:
            assert session.exec(select(User).where(User.name == "ben smith")).first() is None


def test_the_local_user_sees_who_is_signed_in(page, tmp_path):
    with running_studio(tmp_path / "data") as (studio, url):
        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        assert "Working as You (local)" in page.locator("#studio-user").inner_text()
