"""What the scan screens share: the scan lane, and for hand-in and release the big result and the log.

:class:`ScanLane` is the one wiring of a scan field to a :class:`ScanPipeline`, used by
the hand-in and release screens and by the class checklist: the terminators from the
settings, one ordered lane per screen, the results counted as they come back (so
``scans_waiting()`` and ``still_scanning(key)`` mean the same on every screen), and
"· N saving…" shown while a scan is on its way. Every result goes into the scan log
(``#log``, newest first), and the newest refused or unknown scan stays on the error line
(``#scan-error``) until the next scan, so a burst never hides an error behind the OK after it.

The scan field always has focus. Each result is readable from a step away: the
outcome word in its own colour, the pupil and class, and the slot in large digits;
each outcome has its own bell pattern.

F5 switches the camera on and off. A thread worker reads frames, decodes them
(:mod:`kiosk.camera`, which imports OpenCV only then) and drops repeats; each new code
is posted to the screen and submitted from the UI thread into the same
:class:`ScanPipeline` as the scan field, so keyboard and camera scans share one
ordered lane.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Digits, Static
from textual.worker import Worker

from kiosk.scanning import ScanPipeline, ScanResult, ScansProcessed
from kiosk.session import SignedIn
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.scan_input import ScanInput
from kiosk.widgets.scan_log import LogRow, ScanLog
from kiosk.widgets.title_bar import TitleBar
from kiosk.workers import DbWork
from models.errors import ScanOutcome

OUTCOME_WORDS = {
    ScanOutcome.OK: "DONE",
    ScanOutcome.DUPLICATE: "ALREADY DONE",
    ScanOutcome.UNKNOWN: "NOT REGISTERED",
    ScanOutcome.INVALID: "INVALID CODE",
    ScanOutcome.REVOKED: "LABEL REVOKED",
    ScanOutcome.BLOCKED: "BLOCKED",
    ScanOutcome.EXCEPTION: "AGREED EXCEPTION",
    ScanOutcome.NOT_PUPIL: "NOT A PUPIL'S PHONE",  # a visitor's slip or phone label: the message says where to use it
    ScanOutcome.NOT_HANDED_IN: "NOT HANDED IN",  # released, but it never came in today
}
BELLS = {ScanOutcome.OK: 1, ScanOutcome.DUPLICATE: 2, ScanOutcome.NOT_HANDED_IN: 2, ScanOutcome.EXCEPTION: 2}
# (everything else: 3.) Which result of a batch rings: the one that most needs a person's attention.
URGENCY = {ScanOutcome.OK: 0, ScanOutcome.DUPLICATE: 1, ScanOutcome.NOT_HANDED_IN: 1, ScanOutcome.EXCEPTION: 2}
# Outcomes that need nothing more from the person scanning; any other stays on the error line.
QUIET_OUTCOMES = {ScanOutcome.OK, ScanOutcome.DUPLICATE, ScanOutcome.NOT_HANDED_IN}
DIGITS_OK = set("0123456789ABCDEF-+:.")
CAMERA_ON = "● CAMERA ON"
CAMERA_STARTING = "○ camera starting…"
CAMERA_FAILED = "The camera stopped unexpectedly. The details are in the log; press F5 to try again."

log = logging.getLogger("kiosk")


class CameraMessage(Message):
    """From the camera worker; ``run`` tells a stale run's messages from the current one's."""

    def __init__(self, run: int) -> None:
        super().__init__()
        self.run = run


class CameraStarted(CameraMessage):
    """The source is open and frames are being decoded."""


class CameraRead(CameraMessage):
    """A new code (repeats already dropped by the debouncer)."""

    def __init__(self, run: int, code: str) -> None:
        super().__init__(run)
        self.code = code


class CameraStopped(CameraMessage):
    """The worker has finished: the source failed, could not be opened, or has no more frames."""

    def __init__(self, run: int, note: str, error: bool) -> None:
        super().__init__(run)
        self.note = note
        self.error = error


def panel_message(result: ScanResult) -> str:
    """A result's message beside the pupil's name (the big panel's line above it, the log's
    Pupil column): a refusal that starts with their name ("Ava Patel: Confiscated: …", as the
    checklist's one message line needs it) loses it here rather than say it twice."""
    prefix = f"{result.owner}: " if result.owner else ""
    if prefix and result.message.startswith(prefix):
        return result.message[len(prefix) :]
    return result.message


def saving_note(waiting: int) -> str:
    """The note " · N saving…" while scans are on their way: a busy database holds them back."""
    return f" · {waiting} saving…" if waiting > 0 else ""


class ScanLane:
    """Mixed into a Screen that records scans: its scan field, its one ordered lane, the count.

    A screen gives :meth:`operation` (the domain function each code goes to, e.g.
    ``models.custody.ledger.release``), calls :meth:`start_lane` when mounted, and draws each
    committed batch in :meth:`show_batch` and the in-flight count in :meth:`show_counter`.
    Every code goes into the one pipeline, in order, whoever sent it (the scan field, a
    camera, Home, a key such as F6, a row selected), and each one queued redraws the
    counter. The lane stops when the screen is unmounted.
    """

    who: SignedIn
    app: Any
    OK_WORD = "DONE"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count = 0  # results that have come back (tests wait on it)
        self.results: list[ScanResult] = []
        self.pipeline: ScanPipeline | None = None
        self.problem: tuple[int | None, str] | None = None  # the error line: (scan, text) until the next scan
        self.shown_seq: int | None = None  # the scan whose result the screen's main line or panel shows

    def terminators(self) -> tuple[str, ...]:
        return self.app.services.settings.scan_terminators

    def operation(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def start_lane(self) -> None:
        clock = self.app.services.clock
        # Every code queued, whoever queues it (Home passes on a second scan), shows the counter.
        self.pipeline = ScanPipeline(self, self.operation(), self.who.id, clock, submitted=self.show_counter)
        self.pipeline.start()

    def on_unmount(self) -> None:
        if self.pipeline is not None:
            self.pipeline.stop()

    def submit_scan(self, text: str, **options: Any) -> None:
        """Queue one code (``options`` go to the operation); the counter says it is on its way.

        A code scanned once every earlier result has come back is the next scan: the error
        line (:meth:`show_problems`) has been read, and is cleared. Codes of a burst, queued
        while the earlier ones are still on their way, leave it alone.
        """
        assert self.pipeline is not None
        if self.scans_waiting() <= 0:
            self.clear_problem()
        self.pipeline.submit(text, **options)

    def on_scan_input_scanned(self, message: ScanInput.Scanned) -> None:
        message.stop()
        self.scanned(message.text)

    def scanned(self, text: str) -> None:
        """A code from the scan field (or a list that takes a scanner's keys): queue it."""
        self.submit_scan(text)

    def on_scans_processed(self, message: ScansProcessed) -> None:
        """One committed batch: count it, let the screen show it, then collect garbage."""
        message.stop()
        self.results.extend(message.results)
        self.count += len(message.results)
        self.show_batch(message.results)
        self.app.collect_garbage_after_scan()

    def scans_waiting(self) -> int:
        """Codes scanned whose results have not come back yet."""
        return (self.pipeline.seq if self.pipeline is not None else 0) - self.count

    def still_scanning(self, key: str) -> bool:
        """True (and says so) while a scan is on its way: a key that acts on "the last
        result" would act on the one before it."""
        waiting = self.scans_waiting()
        if waiting <= 0:
            return False
        what = "A scan is" if waiting == 1 else f"{waiting} scans are"
        self.notify(f"{what} still being recorded: press {key} again when the result shows.", markup=False)
        return True

    def show_batch(self, batch: list[ScanResult]) -> None:  # pragma: no cover - abstract
        """Show one committed batch (``count`` and ``results`` already include it)."""
        raise NotImplementedError

    def show_counter(self) -> None:
        """Show the count, with :func:`saving_note` while scans are on their way."""

    # ------------------------------------------------------------ every result, and the errors

    def outcome_word(self, outcome: ScanOutcome) -> str:
        return self.OK_WORD if outcome == ScanOutcome.OK else OUTCOME_WORDS.get(outcome, outcome)

    def log_row(self, result: ScanResult) -> None:
        """One result in the scan log (``#log``), newest first: every scan of a burst is listed."""
        from models.clock import to_local

        now = to_local(self.app.services.clock.now()).strftime("%H:%M:%S")
        text = f"slot {result.slot}" if result.outcome == ScanOutcome.OK and result.slot else panel_message(result)
        if result.outcome == ScanOutcome.OK and result.overflow:
            text = f"OVERFLOW {result.slot} (no free slot)"
        word = self.outcome_word(result.outcome)
        self.query_one("#log", ScanLog).add(
            LogRow(
                str(result.seq), now, result.code, result.owner, result.class_name, f"{word}: {text}", result.outcome
            )
        )

    def show_problems(self, batch: list[ScanResult]) -> None:
        """The error line (``#scan-error``): the newest refused or unknown scan of the batch.

        As at a library desk, it stays until the next scan (:meth:`submit_scan`), so an
        error in a burst is not replaced by the OK after it, nor scrolled away in the log,
        nor by a message or panel shown later (an undo). While the panel (or the checklist's
        message line) shows that very result, the line is hidden: it would say it twice.
        """
        problems = [r for r in batch if r.outcome not in QUIET_OUTCOMES]
        if not problems:
            return
        last = problems[-1]
        who = f"{last.owner} · {last.class_name}" if last.owner else last.code
        what = f"{self.outcome_word(last.outcome)}: {who}: {last.message}"
        if len(problems) == 1:
            self.problem = (last.seq, f"TO CHECK: scan {last.seq}: {what}")
        else:  # always shown: the main line holds one of them at most
            self.problem = (None, f"TO CHECK: {len(problems)} scans (see the list). The last, scan {last.seq}: {what}")
        self.draw_problem()

    def clear_problem(self) -> None:
        if self.problem is not None:
            self.problem = None
            self.draw_problem()

    def draw_problem(self) -> None:
        """The error line, unless the main line or panel already shows that very scan's result."""
        line = self.query_one("#scan-error", Static)
        show = self.problem is not None and (self.problem[0] is None or self.problem[0] != self.shown_seq)
        if self.problem is not None and show:
            line.update(self.problem[1])
        if show != line.has_class("shown"):
            line.set_class(show, "shown")


class ScanScreen(ScanLane, DbWork, Screen[None]):
    """Base for a screen that turns scans into custody events."""

    CSS_PATH = "scan.tcss"
    TITLE_TEXT = ""
    OK_WORD = "DONE"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="scan.back"),
        Binding("f5", "camera", "Camera", id="scan.camera"),
    ]

    def __init__(self, who: SignedIn) -> None:
        super().__init__()
        self.who = who
        self.problems = 0  # results that were not OK or DUPLICATE
        self.camera_worker: Worker | None = None
        self.camera_run = 0  # numbers each switch-on, so a stopped run's late messages are ignored
        self.camera_live = threading.Event()  # set while this screen is on top: frames are decoded
        self.pending: list[str] = []  # codes scanned elsewhere (at Home) for this screen to record
        # Keys typed at Home at once with the key that opened this screen (h and a code): given
        # to the scan field as it mounts, before any key that reaches the field itself.
        self.early_keys: list[events.Key] | None = []  # None once mounted

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
            yield Static("", id="scan-error", markup=False)
            yield ScanLog(id="log")
            yield ScanInput(
                id="scan", placeholder="Scan a label, or type its code and press Enter", terminators=self.terminators()
            )
        yield KioskFooter()

    def on_mount(self) -> None:
        scan = self.query_one("#scan", ScanInput)
        scan.focus()  # a scan field's cursor never blinks
        self.start_lane()
        for code in self.pending:
            self.submit_scan(code)
        self.pending.clear()
        keys, self.early_keys = self.early_keys or [], None
        for key in keys:
            scan.take_key(key)

    def on_key(self, event: events.Key) -> None:
        """A key that reached the screen, not the scan field: typed while the screen was opening.

        The scan field takes every key it uses, so a printable key, backspace or terminator
        arriving here was meant for it (a scanner does not wait for the screen): give it to
        the field rather than drop it.
        """
        scan = self.query_one("#scan", ScanInput)
        if scan.take_key(event):
            event.stop()
            event.prevent_default()
            if not scan.has_focus:
                scan.focus()

    def on_unmount(self) -> None:
        # Textual also runs ScanLane.on_unmount, which stops the lane.
        self._cancel_camera()

    def on_screen_resume(self) -> None:
        self.query_one("#scan", ScanInput).focus()
        self.camera_live.set()

    def on_screen_suspend(self) -> None:
        # A dialog is on top: the camera keeps running but reads nothing until it closes.
        self.camera_live.clear()

    # ------------------------------------------------------------ scans

    def show_batch(self, batch: list[ScanResult]) -> None:
        """One committed batch: log every result, show the last, ring for the most urgent."""
        for result in batch:
            if result.outcome not in QUIET_OUTCOMES:
                self.problems += 1
            self.log_row(result)
            self.note_result(result)
        self.show(batch[-1])
        self.show_problems(batch)
        self.ring(max((r.outcome for r in batch), key=lambda o: URGENCY.get(o, 3)))
        self.after_batch(batch)

    def note_result(self, result: ScanResult) -> None:
        """Hook for subclasses: account for one result (no drawing: a batch may hold many)."""

    def after_batch(self, batch: list[ScanResult]) -> None:
        """Hook for subclasses: update the screen once the batch is shown."""

    # ------------------------------------------------------------ camera

    def action_camera(self) -> None:
        if self.camera_worker is not None:
            self._cancel_camera()
            self._show_camera("")
        else:
            self.start_camera()

    def start_camera(self) -> None:
        services = self.app.services
        source = services.camera_source if services.camera_source is not None else services.settings.camera_source
        window = services.settings.camera_debounce  # checked when the settings loaded
        self.camera_run += 1
        run = self.camera_run
        if self.is_current:
            self.camera_live.set()
        self._show_camera(CAMERA_STARTING, "camera-starting")
        self.camera_worker = self.run_worker(
            lambda: self._camera_loop(run, source, window),
            thread=True,
            exit_on_error=False,
            group="camera",
            name="camera",
            exclusive=True,
        )

    def _cancel_camera(self) -> None:
        if self.camera_worker is not None:
            self.camera_worker.cancel()
            self.camera_worker = None

    def _show_camera(self, text: str, state: str = "") -> None:
        indicator = self.query_one("#camera-indicator", Static)
        indicator.update(text)
        indicator.set_classes(state)

    def _camera_loop(self, run: int, source: Any, window: float) -> None:
        """In a thread: open the source, decode frames, post each new code. Never raises."""
        from textual.worker import get_current_worker

        from kiosk.camera import CameraError, Debouncer, Decoder, open_source

        worker = get_current_worker()

        def gone() -> bool:
            return worker.is_cancelled or not self.is_running

        note, error = "Camera off: the source has no more frames.", False
        try:
            with open_source(source) as frames:
                if gone():
                    return
                self.post_message(CameraStarted(run))
                decoder, debouncer = Decoder(), Debouncer(window)
                for frame in frames:
                    if gone():
                        return
                    if not self.camera_live.is_set():
                        continue  # a dialog is open: keep the camera's buffer fresh, read nothing
                    code = decoder.decode(frame.image).text
                    if code is not None and not debouncer.seen(code):
                        self.post_message(CameraRead(run, code))
        except CameraError as exc:
            note, error = str(exc), True
        except Exception:  # noqa: BLE001 - logged; the screen gets one calm line
            log.exception("camera worker failed")
            note, error = CAMERA_FAILED, True
        if not gone():
            self.post_message(CameraStopped(run, note, error))

    def _current_run(self, message: CameraMessage) -> bool:
        message.stop()
        return message.run == self.camera_run and self.camera_worker is not None

    def on_camera_started(self, message: CameraStarted) -> None:
        if self._current_run(message):
            self._show_camera(CAMERA_ON, "camera-on")

    def on_camera_read(self, message: CameraRead) -> None:
        if self._current_run(message) and self.pipeline is not None and self.is_current:
            self.app.last_input = time.monotonic()  # a camera scan is use, as a scanner's keys are
            self.submit_scan(message.code)

    def on_camera_stopped(self, message: CameraStopped) -> None:
        if self._current_run(message):
            self.camera_worker = None
            self._show_camera("")
            self.notify(
                message.note, title="Camera", severity="error" if message.error else "information", markup=False
            )

    def show(self, result: ScanResult) -> None:
        """The big result panel. Every field has a fixed size, so no layout pass is needed."""
        panel = self.query_one("#outcome")
        outcome = result.outcome
        state = f"outcome-{outcome.lower()}"
        if not panel.has_class(state):  # restyling the panel costs a frame's worth of work
            panel.set_classes(state if not panel.has_class("no-slot") else f"{state} no-slot")
        word = self.outcome_word(outcome)
        self.query_one("#outcome-word", Static).update(word, layout=False)
        who = f"{result.owner} · {result.class_name}" if result.owner else result.code
        self.query_one("#outcome-who", Static).update(who, layout=False)
        self.shown_seq = result.seq
        slot = result.slot if outcome in (ScanOutcome.OK, ScanOutcome.DUPLICATE) else ""
        label = "SLOT" if slot else ""
        if slot and not set(slot) <= DIGITS_OK:
            label = f"SLOT {slot}"
        overflow = bool(slot) and result.overflow
        row = self.query_one("#outcome-slot-row")
        if overflow != row.has_class("overflow"):  # rare: only then is a layout pass needed
            row.set_class(overflow, "overflow")
        # No slot to show (an exception, a refusal): the message has the slot's rows.
        if panel.has_class("no-slot") == bool(slot):  # only when it changes: a layout pass
            panel.set_class(not slot, "no-slot")
        if overflow:  # no free slot: the overflow place, as big as a slot
            label = f"OVERFLOW: {slot}"
        self.query_one("#outcome-slot-label", Static).update(label, layout=False)
        self.query_one("#outcome-slot", Digits).update(slot if not overflow and set(slot) <= DIGITS_OK else "")
        self.query_one("#outcome-message", Static).update(panel_message(result), layout=False)
        self.show_counter()

    def show_counter(self) -> None:
        text = f"{self.count} {'scan' if self.count == 1 else 'scans'}"
        if self.problems:
            text += f" · {self.problems} to check"
        text += saving_note(self.scans_waiting())  # or staff scan again
        self.query_one("#counter", Static).update(text, layout=False)

    def ring(self, outcome: ScanOutcome) -> None:
        times = BELLS.get(outcome, 3)
        self.app.bell()
        for i in range(1, times):
            self.set_timer(0.18 * i, self.app.bell)
