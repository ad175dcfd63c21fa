"""A plain title bar: the school and the task. (No clock: screenshots stay stable.)"""

from __future__ import annotations

from textual.widgets import Static


class TitleBar(Static):
    DEFAULT_CLASSES = "title-bar"

    def __init__(self, task: str = "") -> None:
        super().__init__(markup=False, id="title-bar")
        self.task_name = task

    def on_mount(self) -> None:
        school = self.app.services.settings.school_name
        self.update(f"{school}  ·  {self.task_name}" if self.task_name else school)
