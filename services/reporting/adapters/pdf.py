"""HTML to PDF with xhtml2pdf (reportlab underneath): pure-Python wheels, no Pango, Cairo or
browser. The pack's print template sets the page and the fonts: DejaVu Sans, the font
matplotlib ships and draws the charts in, so the PDF and its charts read alike and any
character the records hold has a glyph."""

import io
import os
from pathlib import Path

import matplotlib
from xhtml2pdf import pisa

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONTS = {
    "sans": FONT_DIR / "DejaVuSans.ttf",
    "sans_bold": FONT_DIR / "DejaVuSans-Bold.ttf",
    "mono": FONT_DIR / "DejaVuSansMono.ttf",
}


class PdfFailed(RuntimeError):
    pass


def font_face_css() -> str:
    """@font-face rules for the print template (paths to the TrueType files)."""
    return (
        f'@font-face {{ font-family: "DejaVu Sans"; src: url("{FONTS["sans"]}"); }}\n'
        f'@font-face {{ font-family: "DejaVu Sans"; src: url("{FONTS["sans_bold"]}"); font-weight: bold; }}\n'
        f'@font-face {{ font-family: "DejaVu Sans Mono"; src: url("{FONTS["mono"]}"); }}\n'
    )


def _link(uri: str, rel: str) -> str:
    # Images come inline as data URIs; of files, only our own fonts are read.
    if uri.startswith("data:") or os.path.realpath(uri).startswith(str(FONT_DIR.resolve())):
        return uri
    return ""


def html_to_pdf(html: str) -> bytes:
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_link)
    if result.err:
        raise PdfFailed(f"xhtml2pdf could not render the board pack ({result.err} error(s))")
    return out.getvalue()
