"""The app factory builds the terminal app with injected services."""

from models.clock import FrozenClock
from models.config import Settings
from tests.school import NOW, build


async def test_placeholder_screen_shows_what_the_tray_holds(database):
    from textual.widgets import Static

    from kiosk.app import create_app
    from models import custody

    school = build()
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    app = create_app(Settings(school_name="Test School"), clock=FrozenClock(NOW))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        assert str(screen.query_one("#school", Static).render()) == "Test School"
        assert "1 phones held now" in str(screen.query_one("#summary", Static).render())
