"""Two listings of one page: the one started last is the one shown, whichever finishes first."""

from types import SimpleNamespace

from studio.ui.latest import LatestOnly


def tab(session: str):
    return SimpleNamespace(session_hash=session)


def test_an_older_listing_finishing_last_is_dropped_and_other_pages_are_untouched():
    listings = LatestOnly()
    opening = listings.start(tab("ana"))      # the tab opens: all poses
    filtered = listings.start(tab("ana"))     # "My poses only" ticked a moment later
    elsewhere = listings.start(tab("ben"))    # another creator's page
    assert listings.is_latest(filtered)
    assert not listings.is_latest(opening)    # finishing after it, the unfiltered list is dropped
    assert listings.is_latest(elsewhere)


def test_forgotten_sessions_start_counting_again(monkeypatch):
    monkeypatch.setattr("studio.ui.latest.MAX_SESSIONS", 2)
    listings = LatestOnly()
    first = listings.start(tab("a"))
    listings.start(tab("b"))
    listings.start(tab("c"))                  # "a" is forgotten
    assert listings.is_latest(first)          # nothing newer is known for it: shown, not lost
    assert listings.is_latest(listings.start(tab("a")))
