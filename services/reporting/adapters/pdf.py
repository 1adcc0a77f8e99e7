"""HTML to PDF: Chromium's print-to-PDF when a Chromium is installed, else xhtml2pdf.

Chromium (headless, `--print-to-pdf`, run as a subprocess: no Python dependency, nothing
downloaded) writes a tagged PDF: a structure tree a screen reader follows (headings,
tables, lists), `/MarkInfo /Marked true`, the document's language from `<html lang>` and
its title from `<title>`. It is the executable `SCRUTINY_CHROMIUM` names, else `chromium`,
`chromium-browser` or `google-chrome` on the PATH (Debian: `apt-get install chromium`).

Without one, xhtml2pdf (reportlab underneath; pure-Python wheels, so `make demo` works on a
fresh machine) renders the same pack, untagged: `Pdf.note` says so and how to get the
tagged one. Both read the pack's print template, which the engine parameterises (page
furniture differs), and both use DejaVu Sans, the font matplotlib ships and draws the
charts in, so the PDF and its charts read alike and any character the records hold has a
glyph. The HTML is our own (Jinja autoescaped, images as data URIs, fonts from
matplotlib's directory); Chromium loads it from a private temporary directory with a
profile of its own, no network fetches and no sandbox (it may run as root in a container).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONTS = {
    "sans": FONT_DIR / "DejaVuSans.ttf",
    "sans_bold": FONT_DIR / "DejaVuSans-Bold.ttf",
    "mono": FONT_DIR / "DejaVuSansMono.ttf",
}
CHROMIUM = "chromium"
XHTML2PDF = "xhtml2pdf"
UNTAGGED = (
    "the board pack PDF was rendered by xhtml2pdf and is not tagged for screen readers: install Chromium "
    "(Debian: apt-get install chromium) or set SCRUTINY_CHROMIUM to its executable for a tagged PDF"
)
TIMEOUT_SECONDS = 120


class PdfFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Pdf:
    data: bytes
    renderer: str
    """`chromium` or `xhtml2pdf`."""
    note: str = ""
    """Empty for a tagged PDF; else why it is not tagged and what would tag it."""

    @property
    def tagged(self) -> bool:
        return self.renderer == CHROMIUM


def chromium_executable() -> str | None:
    """The Chromium to print with: SCRUTINY_CHROMIUM, else the first on the PATH."""
    named = os.environ.get("SCRUTINY_CHROMIUM")
    if named:
        return shutil.which(named)
    return next((path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None)


def renderer() -> str:
    return CHROMIUM if chromium_executable() else XHTML2PDF


def font_face_css(engine: str = XHTML2PDF) -> str:
    """@font-face rules for the print template (paths to the TrueType files; URLs for Chromium)."""
    url = (lambda p: p.resolve().as_uri()) if engine == CHROMIUM else str
    return (
        f'@font-face {{ font-family: "DejaVu Sans"; src: url("{url(FONTS["sans"])}"); }}\n'
        f'@font-face {{ font-family: "DejaVu Sans"; src: url("{url(FONTS["sans_bold"])}"); font-weight: bold; }}\n'
        f'@font-face {{ font-family: "DejaVu Sans Mono"; src: url("{url(FONTS["mono"])}"); }}\n'
    )


def _link(uri: str, rel: str) -> str:
    # Images come inline as data URIs; of files, only our own fonts are read.
    if uri.startswith("data:") or os.path.realpath(uri).startswith(str(FONT_DIR.resolve())):
        return uri
    return ""


def xhtml2pdf_pdf(html: str) -> bytes:
    from xhtml2pdf import pisa

    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_link)
    if result.err:
        raise PdfFailed(f"xhtml2pdf could not render the board pack ({result.err} error(s))")
    return out.getvalue()


def chromium_pdf(html: str, executable: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="scrutiny-pdf-") as work:
        page, out = Path(work) / "pack.html", Path(work) / "pack.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--no-first-run", "--mute-audio",
            f"--user-data-dir={Path(work) / 'profile'}", "--no-pdf-header-footer", "--generate-pdf-document-outline",
            f"--print-to-pdf={out}", page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise PdfFailed(f"Chromium did not print the board pack within {TIMEOUT_SECONDS} s") from e
        if done.returncode != 0 or not out.exists() or not out.read_bytes().startswith(b"%PDF"):
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise PdfFailed(f"Chromium could not print the board pack (exit {done.returncode}): {' | '.join(tail)}")
        return out.read_bytes()


def html_to_pdf(render: Callable[[str], str]) -> Pdf:
    """The PDF of the HTML `render(engine)` gives for the engine in use."""
    executable = chromium_executable()
    if executable:
        return Pdf(chromium_pdf(render(CHROMIUM), executable), CHROMIUM)
    return Pdf(xhtml2pdf_pdf(render(XHTML2PDF)), XHTML2PDF, UNTAGGED)

