"""kiosk.widgets.in_order.FieldsInTurn, the shared Enter of the police and parents forms:
Enter checks the field and goes on, the last one goes on to Continue, and a problem found
once the keys are in sends the focus back with its message (not cleared by a later field)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from kiosk.widgets.in_order import FORM_BINDINGS, FieldsInTurn, FormInput


class ThreeFields(FieldsInTurn, Screen[None]):
    BINDINGS = [*FORM_BINDINGS, Binding("escape", "app.quit")]
    FIELDS = ("one", "two", "three")

    def __init__(self) -> None:
        super().__init__()
        self.continued = 0

    def compose(self) -> ComposeResult:
        for field in self.FIELDS:
            yield FormInput(id=field)
        yield Static("", id="said")

    def on_mount(self) -> None:
        self.query_one("#one").focus()

    def say(self, text: str) -> None:
        self.query_one("#said", Static).update(text)

    def said(self) -> str:
        return str(self.query_one("#said", Static).render())

    def field_problem(self, field: str) -> str:
        return "" if self.query_one(f"#{field}", FormInput).value else f"Fill in {field}."

    def action_continue(self) -> None:
        self.continued += 1


class Form(App[None]):
    def on_mount(self) -> None:
        self.push_screen(ThreeFields())


async def test_enter_checks_the_field_and_goes_on_then_continues():
    app = Form()
    async with app.run_test() as pilot:
        form = app.screen
        await pilot.press("enter")
        assert (app.focused.id, form.said()) == ("one", "Fill in one.")
        await pilot.press("a", "enter")
        assert (app.focused.id, form.said()) == ("two", "")
        await pilot.press("b", "enter", "c", "enter")
        assert (app.focused.id, form.continued) == ("three", 1)


async def test_enter_goes_on_while_keys_are_on_their_way_and_the_check_comes_later():
    app = Form()
    async with app.run_test() as pilot:
        form = app.screen
        one = form.query_one("#one", FormInput)
        one.waiting = 1  # a key still on its way to it: its value is not final
        assert form.form_next("one", None) == "two"
        one.waiting = 0
        assert form.form_next("one", None) is None and form.said() == "Fill in one."
        form.set_focus(form.query_one("#two"))
        form.form_entered("one")  # once its keys are in: still empty
        await pilot.pause()
        assert app.focused.id == "one" and form.said() == "Fill in one."
        form.query_one("#two", FormInput).value = "b"
        form.form_entered("two")  # entered in the same burst, after "one": fine, but "one" is not
        assert form.said() == "Fill in one." and form.continued == 0
