"""Which TrueType fonts the PDFs embed, so that Thai and Chinese notes and names print.

fpdf2's built-in fonts cover Latin-1 only. A document writes with the first usable font and lets fpdf2
take any glyph that font lacks from the others (its fallback fonts). When no font file is usable the
document is still made, in Helvetica, with '?' for what Latin-1 cannot hold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

log = logging.getLogger(__name__)

CORE_FAMILY = "helvetica"

# Debian's fonts-dejavu-core, fonts-thai-tlwg and fonts-wqy-zenhei: Latin, Greek and symbols; Thai; Chinese.
# Within each group the first file found is taken.
SYSTEM_FONT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",),
    ("/usr/share/fonts/truetype/tlwg/Garuda.ttf", "/usr/share/fonts/truetype/tlwg/Laksaman.ttf",
     "/usr/share/fonts/truetype/tlwg/Loma.ttf"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",),
)

# What the documents themselves write beyond Latin-1, written the nearest Latin-1 way when nothing better
# is available; anything else becomes "?".
LATIN1_STAND_INS = str.maketrans({"–": "-", "—": "-", "−": "-", "→": "->", "≤": "<=", "≥": ">=",
                                  "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "*"})


@dataclass(frozen=True)
class Typeface:
    """A font file and, when there is one, its bold companion."""

    regular: Path
    bold: Path | None


@dataclass(frozen=True)
class FontChoice:
    """The faces a document registers, in order: the first writes, the others fill in missing glyphs."""

    faces: tuple[Typeface, ...]


def choose_fonts(configured: Sequence[str],
                 system_groups: Sequence[Sequence[str]] = SYSTEM_FONT_GROUPS,
                 exists: Callable[[Path], bool] = Path.is_file) -> FontChoice:
    """The configured font files that exist; with none configured (or none found), the system's."""
    chosen = [Path(name) for name in configured if exists(Path(name))]
    for missing in sorted(set(configured) - {str(path) for path in chosen}):
        log.warning("pdf_fonts: no font file at %s", missing)
    if not chosen:
        found = (next((Path(name) for name in group if exists(Path(name))), None) for group in system_groups)
        chosen = [path for path in found if path is not None]
    return FontChoice(faces=tuple(Typeface(path, _bold_companion(path, exists)) for path in chosen))


def _bold_companion(path: Path, exists: Callable[[Path], bool]) -> Path | None:
    """DejaVuSans.ttf → DejaVuSans-Bold.ttf, Garuda.ttf → Garuda-Bold.ttf, when it is there."""
    bold = path.with_name(f"{path.stem}-Bold{path.suffix}")
    return bold if exists(bold) else None


def install_fonts(pdf: FPDF, choice: FontChoice, text: str | None = None) -> str:
    """Register the chosen faces on `pdf` and return the family to write with. Given the document's
    `text`, the fallback faces are registered only when it has characters the first face lacks:
    reading a Chinese font costs about half a second a document."""
    first = next(((index, face) for index, face in enumerate(choice.faces)
                  if _add(pdf, f"face{index}", "", face.regular)), None)
    if first is None:
        log.warning("no Unicode font found (set pdf_fonts or install fonts-dejavu-core): PDFs use "
                    "Helvetica and print '?' for characters outside Latin-1")
        return CORE_FAMILY
    index, face = first
    main = f"face{index}"
    if not (face.bold is not None and _add(pdf, main, "B", face.bold)):
        pdf.add_font(main, "B", str(face.regular))  # headings are bold: the regular face stands in
    lacking = None if text is None else {char for char in text if ord(char) not in pdf.fonts[main].cmap}
    fallbacks = [(f"face{later}", typeface) for later, typeface in enumerate(choice.faces) if later > index
                 and (lacking is None or lacking & _characters(typeface.regular))]
    registered = []
    for family, typeface in fallbacks:
        if _add(pdf, family, "", typeface.regular):
            if typeface.bold is not None:
                _add(pdf, family, "B", typeface.bold)
            registered.append(family)
    if registered:
        # Not exact: WenQuanYi has no bold, and Chinese in a heading is better regular than missing.
        pdf.set_fallback_fonts(registered, exact_match=False)
    return main


def _characters(path: Path) -> set[str]:
    """The characters a font file has glyphs for (its cmap; cheap next to embedding the font)."""
    try:
        with path.open("rb") as handle, TTFont(handle, lazy=True, fontNumber=0) as font:
            return {chr(code) for code in font.getBestCmap()}
    except Exception:  # an unreadable file is reported when it is added
        return set()


def _add(pdf: FPDF, family: str, style: str, path: Path) -> bool:
    try:
        _check_font_file(path)
        pdf.add_font(family, style, str(path))  # of a .ttc, fpdf2 takes the first face
    except Exception as error:  # a damaged or unsupported file costs its glyphs, never the document
        log.warning("font %s cannot be embedded: %s", path, error)
        return False
    return True


def _check_font_file(path: Path) -> None:
    """Raise unless `path` holds a font. fontTools leaves the file open when parsing fails, so it reads
    from a file this function opens and closes."""
    with path.open("rb") as handle, TTFont(handle, lazy=True, fontNumber=0) as font:
        missing = [table for table in ("cmap", "head", "hmtx") if table not in font]
    if missing:
        raise ValueError(f"no {', '.join(missing)} table")


def latin1_only(text: str) -> str:
    """`text` as Helvetica can print it: typographic marks simplified, anything else outside Latin-1 '?'."""
    return text.translate(LATIN1_STAND_INS).encode("latin-1", "replace").decode("latin-1")
