"""Reading a board pack PDF back as a reader would meet it: each page rendered to an image
(PDFium) and how far down its content area the ink reaches, the text of every page, and
whether it is tagged for screen readers (catalogue entries read with pypdf)."""

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader

FOOTER_POINTS = 51  # the print template's bottom margin (1.8 cm), where the running footer sits
TOP_POINTS = 42  # its top margin (1.5 cm)
WHITE = 245


@dataclass(frozen=True)
class Tags:
    marked: bool
    struct_tree: bool
    lang: str | None
    title: str | None
    display_title: bool


def pdf_text(path: Path) -> list[str]:
    doc = pdfium.PdfDocument(str(path))
    try:
        return [" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc))]
    finally:
        doc.close()


def page_fill(path: Path, out_dir: Path | None = None) -> list[float]:
    """For each page, how far down the content area (between the margins, footer left out)
    the last ink reaches, 0 to 1. Saves each page as PNG in `out_dir` when given."""
    doc = pdfium.PdfDocument(str(path))
    fills = []
    try:
        for i in range(len(doc)):
            image = doc[i].render(scale=1).to_pil().convert("L")
            if out_dir is not None:
                image.save(out_dir / f"page-{i + 1}.png")
            top, bottom = TOP_POINTS, image.height - FOOTER_POINTS
            content = image.crop((0, top, image.width, bottom)).point(lambda v: 255 if v < WHITE else 0)
            box = content.getbbox()
            fills.append(0.0 if box is None else box[3] / (bottom - top))
    finally:
        doc.close()
    return fills


def tags(path: Path) -> Tags:
    reader = PdfReader(str(path))
    root = reader.trailer["/Root"]
    mark = root.get("/MarkInfo")
    prefs = root.get("/ViewerPreferences") or {}
    return Tags(
        marked=bool(mark and mark.get_object().get("/Marked")),
        struct_tree="/StructTreeRoot" in root,
        lang=str(root["/Lang"]) if "/Lang" in root else None,
        title=(reader.metadata or {}).get("/Title"),
        display_title=bool(prefs.get("/DisplayDocTitle")),
    )


def assert_readable_pack(path: Path, agency_names: list[str], out_dir: Path) -> None:
    """No page under a fifth full; every agency's full name in the text (none cut off)."""
    fills = page_fill(path, out_dir)
    assert all(f >= 0.2 for f in fills), (
        f"pages at most a fifth full: {[(i + 1, round(f, 2)) for i, f in enumerate(fills)]} (PNGs in {out_dir})"
    )
    text = " ".join(pdf_text(path))
    missing = [name for name in agency_names if " ".join(name.split()) not in text]
    assert not missing, f"agency names not whole in the PDF's text: {missing}"
