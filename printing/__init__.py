"""Printing for the reception kiosk: documents, their ESC/POS rendering, and printers.

Independent of the UI and of the database: builders take plain data (strings,
datetimes, lists), and nothing here imports textual or peewee. Importing this package
is cheap; python-escpos (with Pillow, qrcode, PyYAML) is imported only when a
document is rendered to bytes or a printer is opened.

Typical use::

    from printing import PrinterSpec, visitor_slip, render_for, send, to_text

    spec = PrinterSpec.from_config({"url": "network://192.168.1.50", "paper_mm": 80})
    doc = visitor_slip(...)
    preview = to_text(doc, width=48)          # on screen
    data = render_for(spec, doc)              # bytes, stored in the outbox
    send(spec, data)                          # PrintError on any failure; safe to retry
"""

from .documents import (
    Band,
    Barcode128,
    Block,
    Cut,
    Document,
    Feed,
    Heading,
    HeldPhone,
    KeyValue,
    OnSite,
    Paragraph,
    PhoneLabel,
    QRCode,
    Rule,
    SignatureLine,
    Text,
    exception_agreement,
    phone_labels,
    roll_call,
    uncollected_phones,
    visitor_phone_label,
    visitor_slip,
)
from .dummy import clear_dummy_jobs, dummy_jobs
from .errors import PrinterConfigError, PrintError, PrintingError
from .render import columns_for, render_escpos, to_bytes, to_text
from .spec import PrinterSpec, known_profiles
from .transports import is_online, open_printer, print_document, render_for, send


def warm_up() -> None:
    """Import python-escpos now (the first time takes about 0.2 s), so that rendering
    later, inside a write transaction, does not hold the write lock while it loads."""
    from ._escpos import printer_module  # noqa: PLC0415 - lazy: slow to import

    printer_module()


__all__ = [
    "warm_up",
    "Band",
    "Barcode128",
    "Block",
    "Cut",
    "Document",
    "Feed",
    "HeldPhone",
    "Heading",
    "KeyValue",
    "OnSite",
    "Paragraph",
    "PhoneLabel",
    "PrintError",
    "PrinterConfigError",
    "PrinterSpec",
    "PrintingError",
    "QRCode",
    "Rule",
    "SignatureLine",
    "Text",
    "clear_dummy_jobs",
    "columns_for",
    "dummy_jobs",
    "exception_agreement",
    "is_online",
    "known_profiles",
    "open_printer",
    "phone_labels",
    "print_document",
    "render_escpos",
    "render_for",
    "roll_call",
    "send",
    "to_bytes",
    "to_text",
    "uncollected_phones",
    "visitor_phone_label",
    "visitor_slip",
]
