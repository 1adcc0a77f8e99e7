"""Which files are taken as evidence: a size limit and an allow-list of types, each type
recognised by the file's content, never by its name (pure: the standard library only).

    PDF                          starts "%PDF-"
    Word (.docx), Excel (.xlsx)  a zip whose [Content_Types].xml declares the document's
                                 main part (a macro-enabled .docm or .xlsm declares another)
    PNG, JPEG                    their signatures
    plain text, CSV              UTF-8 text with no control characters but tab and line ends
                                 (text/csv when the name ends .csv: both are text)

Anything else (a program renamed report.pdf, a zip, an old .doc) is refused with a
sentence naming what is accepted; a file over the limit with one naming the limit.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

MAX_BYTES = 20 * 1024 * 1024
CHUNK = 1 << 16

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
CSV = "text/csv"
ACCEPTED = (PDF, DOCX, XLSX, PNG, JPEG, TEXT, CSV)
ACCEPTED_WORDS = "a PDF, a Word document (.docx), an Excel workbook (.xlsx), a PNG or JPEG image, or a text or CSV file"
# The main part each Office type declares in its [Content_Types].xml.
HINT = (f"A PDF, Word (.docx), Excel (.xlsx), PNG, JPEG, text or CSV file, each {MAX_BYTES // (1024 * 1024)} MB"
        " or smaller. Prefer documents that name no child or family.")
_OFFICE = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_CONTENT_TYPES_MAX = 1 << 20  # a real [Content_Types].xml is a few kilobytes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
NAME_MAX = 200


def megabytes(size: int) -> str:
    """A limit in words: "20 MB" (or "512 KB" under a megabyte)."""
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size / 1024:g} KB"


def too_large(limit: int = MAX_BYTES) -> str:
    return f"The file must be {megabytes(limit)} or smaller"


def not_accepted(name: str) -> str:
    return f"{name} is not a type of file we accept: upload {ACCEPTED_WORDS}"


@dataclass(frozen=True)
class Taken:
    """A file accepted as evidence: what its `DocumentRef` will say."""

    sha256: str
    name: str
    media_type: str
    size: int

    def ref(self) -> dict[str, object]:
        return {"sha256": self.sha256, "name": self.name, "media_type": self.media_type, "size": self.size}


class Refused(ValueError):
    """The file is not taken; the message is the sentence to show."""


def safe_name(name: str) -> str:
    """The file's own name (no folders a browser sent with it, no control characters), shortened."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = " ".join(_CONTROL.sub(" ", base).split())
    return cleaned[:NAME_MAX] or "document"


def take(file: BinaryIO, name: str, limit: int = MAX_BYTES) -> Taken:
    """Hash and type a file (seekable, from its start); `Refused` says why it is not taken."""
    label = safe_name(name)
    digest, size = hashlib.sha256(), 0
    file.seek(0)
    while block := file.read(CHUNK):
        size += len(block)
        if size > limit:
            raise Refused(f"{too_large(limit)}: {label} is larger")
        digest.update(block)
    if size == 0:
        raise Refused(f"{label} is empty")
    media_type = media_type_of(file, label)
    if media_type is None:
        raise Refused(not_accepted(label))
    return Taken(digest.hexdigest(), label, media_type, size)


def media_type_of(file: BinaryIO, name: str = "") -> str | None:
    """The accepted type the content shows, or None."""
    file.seek(0)
    head = file.read(16)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office(file)
    if _is_text(file):
        return CSV if name.lower().endswith(".csv") else TEXT
    return None


def _office(file: BinaryIO) -> str | None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return None
            declared = archive.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    for media_type, main in _OFFICE.items():
        if f'ContentType="{main}"' in declared:
            return media_type
    return None


def _is_text(file: BinaryIO) -> bool:
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        while block := file.read(CHUNK):
            if _CONTROL.search(decoder.decode(block)):
                return False
        return not _CONTROL.search(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False
