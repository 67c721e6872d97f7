"""The blocks printed documents are made of (A4, fpdf2): a page frame with a header and a "page N of M"
footer, a title, headings, key/value facts, tables that break across pages with their header repeated,
QR codes, images such as charts, and signature lines.

Each block writes at the current position and leaves it under what it wrote, so a document is the
blocks in reading order. Fonts: see fonts.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from logistics.documents.fonts import FontChoice, install_fonts, latin1_only

MARGIN_MM = 15.0
TOP_MARGIN_MM = 20.0  # below the page header
BOTTOM_MARGIN_MM = 20.0  # above the page footer
LINE_MM = 5.0
BODY_PT = 9.0
SMALL_PT = 7.5
HEADING_PT = 11.5
GREY = (95, 95, 95)
BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
HEADING_FILL = (226, 232, 240)  # under black text: 16:1, well above WCAG AA's 4.5:1
TABLE_PT = BODY_PT - 0.5
CELL_PADDING_MM = 1.5  # left and right of a table cell's text
CELL_SLACK_MM = 0.8  # fpdf2 wraps a line a little before the cell's inner edge
RULE = (150, 150, 150)
# A box is scuffed and wrapped in film: error correction Q restores a quarter of the symbol
# (ISO/IEC 18004 §4.15). The quiet zone of four modules is the standard's minimum for QR codes.
QR_ERROR_LEVEL = "q"
QR_QUIET_ZONE = 4
QR_PIXELS_PER_MODULE = 10
NBSP = "\u00a0"  # between a number and its unit: fpdf2 never breaks a line there, and prints a space
BREAKS = re.compile(r"[^\S\u00a0]+")  # the spaces a line may break at


@dataclass(frozen=True)
class PageFrame:
    """What every page shows around its content: the document's title and reference, and when it was made."""

    title: str
    reference: str
    generated_at: datetime


@dataclass(frozen=True)
class Column:
    """A table column: its heading, its width in mm (None: fitted to its words, see `column_widths`) and
    its alignment (LEFT, CENTER or RIGHT)."""

    title: str
    width: float | None = None
    align: str = "LEFT"


class Document(FPDF):
    """An A4 document, first page open, whose pages carry the frame's header and footer."""

    def __init__(self, frame: PageFrame, fonts: FontChoice, text: str | None = None) -> None:
        """`text`: everything the document will print that comes from the records (names, notes), so
        that only the fonts it needs are embedded; None embeds them all."""
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.page_frame = frame
        self.text_family = install_fonts(self, fonts, text)
        self.set_margins(MARGIN_MM, TOP_MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN_MM)
        self.set_creation_date(frame.generated_at)
        self.set_title(f"{frame.title} {frame.reference}")
        self.set_creator("coldchain-logistics")
        self.set_lang("en")
        self.add_page()

    def normalize_text(self, text: str) -> str:
        """fpdf2 refuses what Helvetica cannot print; without a Unicode font, print what it can."""
        if not self.is_ttf_font:
            text = latin1_only(text)
        return str(super().normalize_text(text))

    def header(self) -> None:
        self.set_y(9)
        write_in(self, SMALL_PT, colour=GREY)
        self.cell(0, 4, f"{self.page_frame.title} · {self.page_frame.reference}")
        self.set_draw_color(*GREY)
        self.line(self.l_margin, 14, self.w - self.r_margin, 14)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-13)
        write_in(self, SMALL_PT, colour=GREY)
        third = self.epw / 3
        made = self.page_frame.generated_at.astimezone(UTC)
        self.cell(third, 4, f"Generated {made:%Y-%m-%d %H:%M} UTC")
        # "{nb}" is fpdf2's alias for the page count, filled in when the document is closed.
        self.cell(third, 4, f"page {self.page_no()} of {{nb}}", align="C")
        self.cell(third, 4, self.page_frame.reference, align="R")

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def write_in(doc: Document, size: float, *, bold: bool = False, colour: tuple[int, int, int] = BLACK) -> None:
    """Set the size, weight and colour of what is written next."""
    doc.set_font(doc.text_family, "B" if bold else "", size)
    doc.set_text_color(*colour)


def title(doc: Document, kind: str, subject: str, detail: str = "", *, width: float = 0) -> None:
    """The document's kind, its subject large, and an optional line under them."""
    doc.set_x(doc.l_margin)
    write_in(doc, HEADING_PT, colour=GREY)
    doc.cell(width, 6, kind, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    write_in(doc, 22, bold=True)
    doc.cell(width, 11, subject, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if detail:
        write_in(doc, HEADING_PT, bold=True)
        doc.multi_cell(width, 6, detail, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(2)


def heading(doc: Document, text: str, *, keep_with_next_mm: float = 20) -> None:
    """A section heading, moved to the next page rather than left alone at the bottom of this one."""
    keep_together(doc, LINE_MM + 4 + keep_with_next_mm)
    doc.ln(3)
    write_in(doc, HEADING_PT, bold=True)
    doc.cell(0, LINE_MM + 1, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(1)


def paragraph(doc: Document, text: str, *, size: float = BODY_PT) -> None:
    write_in(doc, size)
    doc.multi_cell(0, LINE_MM, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def key_values(doc: Document, rows: Sequence[tuple[str, str]], *, label_width: float = 42,
               width: float | None = None) -> None:
    """Labelled facts, one per row; long values wrap under themselves, not under the label."""
    width = width or doc.epw
    write_in(doc, BODY_PT)
    with doc.table(col_widths=(label_width, width - label_width), width=width, align="LEFT",
                   borders_layout="NONE", first_row_as_headings=False, line_height=LINE_MM,
                   text_align="LEFT", padding=(0.4, 1, 0.4, 0)) as grid:
        for label, value in rows:
            row = grid.row()
            row.cell(label, style=FontFace(emphasis="BOLD", color=GREY))
            row.cell(value)
    doc.ln(1)


def table(doc: Document, columns: Sequence[Column], rows: Iterable[Sequence[str]]) -> None:
    """A table across the page (or as wide as its columns, when each has a width), its columns fitted to
    their words; dark text on white rows under a light heading row, repeated on a page break."""
    rows = [list(values) for values in rows]
    widths = column_widths(doc, columns, rows)
    write_in(doc, TABLE_PT)
    doc.set_draw_color(*RULE)
    doc.set_line_width(0.15)
    with doc.table(col_widths=tuple(widths), width=min(sum(widths), doc.epw), align="LEFT",
                   text_align=tuple(column.align for column in columns),
                   borders_layout="HORIZONTAL_LINES", line_height=LINE_MM - 0.6,
                   padding=(0.8, CELL_PADDING_MM), cell_fill_color=WHITE, cell_fill_mode="ALL",
                   headings_style=FontFace(emphasis="BOLD", color=BLACK, fill_color=HEADING_FILL),
                   repeat_headings=1) as grid:
        headings = grid.row()
        for column in columns:
            headings.cell(column.title)
        for values in rows:
            row = grid.row(style=FontFace(color=BLACK))
            for value in values:
                row.cell(value)
    doc.ln(1)


def column_widths(doc: Document, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> list[float]:
    """Widths in mm that share the page among the columns without a width (those with one keep it), as a
    browser lays out a table: each at least as wide as its longest word (a number and its unit joined by
    NBSP are one word), so no word is split across lines (a heading's never), and the room left given where
    lines are longest. Too little room for every word: the headings' words still fit, long values break."""
    fitted = [index for index, column in enumerate(columns) if column.width is None]
    fixed = [column.width or 0.0 for column in columns]
    if not fitted:
        return fixed
    room = doc.epw - sum(fixed)
    heading_words = [_widest(doc, column.title.split(), bold=True) for column in columns]
    words = [max([heading_words[index], *(_widest(doc, BREAKS.split(row[index])) for row in rows)])
             for index in range(len(columns))]
    lines = [max([_widest(doc, [column.title], bold=True),
                  *(_widest(doc, row[index].splitlines()) for row in rows)])
             for index, column in enumerate(columns)]
    for least in (words, heading_words):
        if sum(least[index] for index in fitted) <= room:
            shares = _shared(room, [least[index] for index in fitted], [lines[index] for index in fitted])
            return [shares[fitted.index(index)] if index in fitted else fixed[index]
                    for index in range(len(columns))]
    raise ValueError(f"the headings {[column.title for column in columns]} do not fit across the page")


def _widest(doc: Document, texts: Iterable[str], *, bold: bool = False) -> float:
    """The width of the widest text in a table cell, its padding included."""
    write_in(doc, TABLE_PT, bold=bold)
    widest = max((doc.get_string_width(text) for text in texts), default=0.0)
    return widest + 2 * CELL_PADDING_MM + CELL_SLACK_MM


def _shared(room: float, least: list[float], wanted: list[float]) -> list[float]:
    """`room` shared out: each its least, then what is left in proportion to what each still wants (when all
    are content, in proportion to what they want)."""
    missing = [max(want - low, 0.0) for low, want in zip(least, wanted, strict=True)]
    left = room - sum(least)
    if sum(missing) > left:
        return [low + left * gap / sum(missing) for low, gap in zip(least, missing, strict=True)]
    full = [low + gap for low, gap in zip(least, missing, strict=True)]
    return [width * room / sum(full) for width in full]


def qr_symbol(payload: str) -> segno.QRCode:
    """The QR code documents print for `payload` (never a Micro QR: phone cameras do not read those)."""
    return segno.make(payload, error=QR_ERROR_LEVEL, micro=False)


def qr_code(doc: Document, payload: str, *, caption: str, x: float, y: float, size: float) -> float:
    """The QR code of `payload` as a `size` mm square at (x, y), `caption` under it; returns its bottom."""
    png = io.BytesIO()
    qr_symbol(payload).save(png, kind="png", scale=QR_PIXELS_PER_MODULE, border=QR_QUIET_ZONE)
    doc.image(png, x=x, y=y, w=size, h=size, alt_text=f"QR code: {payload}")
    doc.set_xy(x, y + size)
    write_in(doc, BODY_PT + 1, bold=True)
    doc.cell(size, LINE_MM, caption, align="C")
    return y + size + LINE_MM


def picture(doc: Document, image: bytes, *, width: float, caption: str = "", alt_text: str = "") -> None:
    """An image such as a chart (PNG, JPEG or SVG), `width` mm wide at the left margin; fpdf2 starts
    a new page first when it does not fit."""
    doc.image(io.BytesIO(image), x=doc.l_margin, w=width, alt_text=alt_text or caption or None)
    if caption:
        write_in(doc, SMALL_PT, colour=GREY)
        doc.multi_cell(width, LINE_MM - 1, caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(2)


def signature_lines(doc: Document, roles: Sequence[str], *,
                    fields: Sequence[str] = ("Name", "Signature", "Date")) -> None:
    """For each role ("Packed by"), a line per field to fill in by hand; all kept on one page."""
    label_width, gap = 30.0, 5.0
    field_width = (doc.epw - label_width) / len(fields)
    keep_together(doc, 14.0 * len(roles) + 4)
    doc.set_draw_color(*BLACK)
    for role in roles:
        line_y = doc.get_y() + 9  # room above the line for handwriting
        write_in(doc, BODY_PT, bold=True)
        doc.set_xy(doc.l_margin, line_y - 4)
        doc.cell(label_width, 4, role)
        for index, field in enumerate(fields):
            left = doc.l_margin + label_width + index * field_width
            doc.line(left, line_y, left + field_width - gap, line_y)
            write_in(doc, SMALL_PT, colour=GREY)
            doc.set_xy(left, line_y + 0.5)
            doc.cell(field_width - gap, 3.5, field)
        doc.set_xy(doc.l_margin, line_y + 5)


def keep_together(doc: Document, height: float) -> None:
    """Start a new page unless `height` mm still fit on this one."""
    if doc.get_y() + height > doc.page_break_trigger:
        doc.add_page()

