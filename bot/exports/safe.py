"""Text made safe for spreadsheets and documents: nothing a spreadsheet would run, nothing XML forbids.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is a formula to Excel and
LibreOffice when a CSV is opened, and to anyone who later edits the cell of an XLSX. Such text is written with a
leading apostrophe (``'=HYPERLINK(…)``), the OWASP advice for CSV injection: it is shown as text, never run.
Characters XML 1.0 forbids (control characters other than tab, line feed and carriage return; U+FFFE, U+FFFF;
lone surrogates) are dropped: they would make the XLSX or DOCX unreadable.
"""

from __future__ import annotations

import re

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CELL_LIMIT = 32_767  # Excel's longest cell text


def clean(text: str) -> str:
    """Without the characters XML 1.0 forbids."""
    return XML_ILLEGAL.sub("", text)


def cell_text(text: str) -> str:
    """Clean, not longer than a cell holds, and never a formula."""
    text = XML_ILLEGAL.sub("", text)
    if text.startswith(FORMULA_START):
        text = "'" + text
    if len(text) > CELL_LIMIT:
        text = text[: CELL_LIMIT - 1] + "…"
    return text
