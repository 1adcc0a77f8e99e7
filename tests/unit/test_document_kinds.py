"""Which files are taken as evidence, by content (shared/documents/kinds.py), and where an
event's payload attaches documents (shared/documents/refs.py)."""

import io
import zipfile

import pytest

from shared.documents import kinds
from shared.documents.refs import agencies_named, refs_in


def office(main: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", f'<Types><Override PartName="/x" ContentType="{main}"/></Types>')
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(("content", "name", "media_type"), [
    (b"%PDF-1.7\n...", "anything.bin", kinds.PDF),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "photo.pdf", kinds.PNG),
    (b"\xff\xd8\xff\xe0" + b"\0" * 20, "scan", kinds.JPEG),
    (office("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"), "minutes.pdf", kinds.DOCX),
    (office("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"), "tracker", kinds.XLSX),
    ("Agency,Rating\nPolice,3\nÉcole,2\n".encode(), "ratings.csv", kinds.CSV),
    ("\ufeffNotes of the panel\r\n\tindented\n".encode(), "notes.txt", kinds.TEXT),
])
def test_accepted_by_content_whatever_the_name(content: bytes, name: str, media_type: str) -> None:
    taken = kinds.take(io.BytesIO(content), name)
    assert (taken.media_type, taken.size, taken.name) == (media_type, len(content), name)


@pytest.mark.parametrize("content", [
    b"MZ\x90\x00" + b"\0" * 100,  # a Windows program
    b"\x7fELF" + b"\0" * 100,  # a Linux one
    office("application/vnd.ms-word.document.macroEnabled.main+xml"),  # a .docm
    b"PK\x03\x04not really a zip",
    b"text with a NUL \0 in it",
    b"\xff\xfe not UTF-8 \xff",
])
def test_refused_naming_what_is_accepted(content: bytes) -> None:
    with pytest.raises(kinds.Refused) as refused:
        kinds.take(io.BytesIO(content), "C:\\Users\\x\\report.pdf")
    assert str(refused.value) == f"report.pdf is not a type of file we accept: upload {kinds.ACCEPTED_WORDS}"


def test_the_limit_is_named_and_an_empty_file_refused() -> None:
    with pytest.raises(kinds.Refused, match=r"^The file must be 1 KB or smaller: big.pdf is larger$"):
        kinds.take(io.BytesIO(b"%PDF-" + b"0" * 2000), "big.pdf", limit=1024)
    assert kinds.too_large() == "The file must be 20 MB or smaller"
    with pytest.raises(kinds.Refused, match="empty"):
        kinds.take(io.BytesIO(b""), "empty.pdf")


def test_documents_are_found_wherever_a_payload_holds_them() -> None:
    ref = {"sha256": "a" * 64, "name": "x.pdf", "media_type": kinds.PDF, "size": 3}
    payload = {"agency_id": "police", "answers": {"s1": {"rating": 3, "documents": [ref]}, "s2": {"documents": []}},
               "documents": [ref | {"sha256": "b" * 64}], "other": {"sha256": "not a hash", "name": "", "media_type": "", "size": 0}}
    assert [r.sha256 for r in refs_in(payload)] == ["a" * 64, "b" * 64]
    assert agencies_named(payload) == {"police"}
    assert agencies_named({"owner_agency_id": "health", "agency_ids": ["police", 3]}) == {"health", "police"}
