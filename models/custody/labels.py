"""Printing pupils' phone labels: per pupil, per class, or after a revoke.

Each label carries the phone's *current* label code (a revoked label's replacement),
so ``kiosk labels print --pupil 000123`` after ``kiosk devices revoke`` prints the
new code. The job goes through the outbox like every other print.
"""

from __future__ import annotations

import datetime as dt

from models.audit.tx import write_tx
from models.clock import utcnow
from models.errors import NotFound, ValidationError
from models.store.tables import Device, Label, Pupil, SchoolClass


def label_rows(*, class_name: str | None = None, admission_no: str | None = None) -> list[dict[str, str]]:
    """``{"code", "pupil_name", "class_name"}`` for each active phone's current label."""
    if (class_name is None) == (admission_no is None):
        raise ValidationError("Choose a class or a pupil to print labels for.")
    query = (
        Label.select(Label.code, Pupil.first_name, Pupil.last_name, Pupil.admission_no, SchoolClass.name)
        .join(Device)
        .join(Pupil)
        .join(SchoolClass)
        .where(Label.revoked_at.is_null() & (Device.active == True) & (Pupil.active == True))  # noqa: E712
    )
    if class_name is not None:
        cls = SchoolClass.get_or_none(SchoolClass.name == class_name.strip())
        if cls is None:
            raise NotFound(f"There is no class called {class_name.strip()!r}.")
        query = query.where(SchoolClass.id == cls.id)
    else:
        wanted = (admission_no or "").strip()
        pupil = Pupil.get_or_none(Pupil.admission_no == wanted)
        if pupil is None:
            raise NotFound(f"No pupil has admission number {wanted!r}.")
        query = query.where(Pupil.id == pupil.id)
    rows = [_row(r) for r in query.order_by(Pupil.last_name, Pupil.first_name, Label.id)]
    if not rows:
        who = f"class {class_name.strip()}" if class_name is not None else f"pupil {(admission_no or '').strip()}"
        raise NotFound(f"No registered phone with a current label for {who}.")
    return rows


def _row(label: Label) -> dict[str, str]:
    pupil = label.device.pupil
    assert pupil is not None  # the query joins pupils: every row has one
    return {
        "code": label.code,
        "pupil_name": f"{pupil.first_name} {pupil.last_name}",
        "class_name": pupil.school_class.name,
        "admission_no": pupil.admission_no,
    }


def enqueue_labels(
    settings,
    *,
    class_name: str | None = None,
    admission_no: str | None = None,
    actor: object = None,
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """Render the labels for the configured printer and put them in the outbox.

    Returns (job id, number of labels).
    """
    from models import outbox  # noqa: PLC0415
    from printing import phone_labels, render_for  # noqa: PLC0415

    now = now or utcnow()
    rows = label_rows(class_name=class_name, admission_no=admission_no)
    spec = settings.printer_spec
    data = render_for(spec, phone_labels([{k: r[k] for k in ("code", "pupil_name", "class_name")} for r in rows]))
    ref = f"class:{class_name.strip()}" if class_name is not None else f"pupil:{(admission_no or '').strip()}"
    with write_tx():
        job = outbox.enqueue(
            data,
            kind="labels",
            printer_url=spec.to_url(),
            ref=ref,
            title=f"Phone labels: {len(rows)}",
            actor=actor,
            now=now,
        )
    return job.id, len(rows)
