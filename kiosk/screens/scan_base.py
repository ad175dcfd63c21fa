"""What the hand-in and release screens share: the scan field, the big result, the log.

The scan field always has focus. Each result is readable from a step away: the
outcome word in its own colour, the pupil and class, and the slot in large digits;
each outcome has its own bell pattern.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Digits, Footer, Static

from kiosk.app import SignedIn
from kiosk.scanning import ScanPipeline, ScanProcessed, ScanResult
from kiosk.widgets.scan_input import ScanInput
from kiosk.widgets.title_bar import TitleBar

OUTCOME_WORDS = {
    "OK": "DONE",
    "DUPLICATE": "ALREADY DONE",
    "UNKNOWN": "NOT REGISTERED",
    "INVALID": "INVALID CODE",
    "REVOKED": "LABEL REVOKED",
    "BLOCKED": "BLOCKED",
    "EXCEPTION": "AGREED EXCEPTION",
}
BELLS = {"OK": 1, "DUPLICATE": 2, "EXCEPTION": 2}  # everything else: 3
DIGITS_OK = set("0123456789ABCDEF-+:.")


class ScanScreen(Screen[None]):
    """Base for a screen that turns scans into custody events."""

    CSS_PATH = "scan.tcss"
    TITLE_TEXT = ""
    OK_WORD = "DONE"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="scan.back")]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.count = 0
        self.results: list[ScanResult] = []
        self.pipeline: ScanPipeline | None = None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield TitleBar(self.TITLE_TEXT)
        with Vertical(id="scan-body"):
            yield Static(self.TITLE_TEXT, id="scan-title")
            with Vertical(id="outcome", classes="idle"):
                yield Static("Ready: scan a label", id="outcome-word")
                yield Static("", id="outcome-who", markup=False)
                with Horizontal(id="outcome-slot-row"):
                    yield Static("", id="outcome-slot-label")
                    yield Digits("", id="outcome-slot")
                yield Static("", id="outcome-message", markup=False)
            with Horizontal(id="scan-status"):
                yield Static("0 scans", id="counter")
                yield Static("", id="progress")
                yield Static("", id="camera-indicator")
            yield DataTable(id="log", cursor_type="row", zebra_stripes=True)
            yield ScanInput(id="scan", placeholder="Scan a label, or type its code and press Enter",
                            terminators=self.terminators())
        yield Footer()

    def terminators(self) -> tuple[str, ...]:
        return ("tab",) if self.app.services.settings.scanner_terminator == "tab" else ("enter",)

    def on_mount(self) -> None:
        table = self.query_one("#log", DataTable)
        table.can_focus = False
        table.add_columns("#", "Time", "Code", "Pupil", "Class", "Result")
        scan = self.query_one("#scan", ScanInput)
        scan.cursor_blink = self.app.cursor_blink
        scan.focus()
        self.pipeline = ScanPipeline(self, self.operation(), self.who.id, self.app.services.clock)
        self.pipeline.start()

    def on_unmount(self) -> None:
        if self.pipeline is not None:
            self.pipeline.stop()

    def on_screen_resume(self) -> None:
        self.query_one("#scan", ScanInput).focus()

    def operation(self):  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------ scans

    def on_scan_input_scanned(self, message: ScanInput.Scanned) -> None:
        message.stop()
        assert self.pipeline is not None
        self.pipeline.submit(message.text)

    def on_scan_processed(self, message: ScanProcessed) -> None:
        message.stop()
        result = message.result
        self.results.append(result)
        self.count += 1
        self.show(result)
        self.log_row(result)
        self.after_result(result)

    def after_result(self, result: ScanResult) -> None:
        """Hook for subclasses (progress counts, follow-up dialogs)."""

    def show(self, result: ScanResult) -> None:
        panel = self.query_one("#outcome")
        outcome = result.outcome
        panel.set_classes(f"outcome-{outcome.lower()}")
        word = self.OK_WORD if outcome == "OK" else OUTCOME_WORDS.get(outcome, outcome)
        self.query_one("#outcome-word", Static).update(word)
        who = f"{result.owner} · {result.class_name}" if result.owner else result.code
        self.query_one("#outcome-who", Static).update(who)
        slot = result.slot if outcome in ("OK", "DUPLICATE") else ""
        self.query_one("#outcome-slot-label", Static).update("SLOT" if slot else "")
        self.query_one("#outcome-slot", Digits).update(slot if set(slot) <= DIGITS_OK else "")
        if slot and not set(slot) <= DIGITS_OK:
            self.query_one("#outcome-slot-label", Static).update(f"SLOT {slot}")
        self.query_one("#outcome-message", Static).update(result.message)
        self.query_one("#counter", Static).update(f"{self.count} {'scan' if self.count == 1 else 'scans'}")
        self.ring(outcome)

    def ring(self, outcome: str) -> None:
        times = BELLS.get(outcome, 3)
        self.app.bell()
        for i in range(1, times):
            self.set_timer(0.18 * i, self.app.bell)

    def log_row(self, result: ScanResult) -> None:
        from models.clock import to_local

        table = self.query_one("#log", DataTable)
        now = to_local(self.app.services.clock.now()).strftime("%H:%M:%S")
        text = f"slot {result.slot}" if result.outcome == "OK" and result.slot else result.message
        table.add_row(str(result.seq), now, result.code, result.owner, result.class_name,
                      f"{OUTCOME_WORDS.get(result.outcome, result.outcome) if result.outcome != 'OK' else self.OK_WORD}: {text}",
                      key=str(result.seq))
        table.move_cursor(row=table.row_count - 1)
