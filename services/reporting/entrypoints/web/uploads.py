"""Files sent with a form: the body capped, each file typed by its content, kept only when
the whole form is taken.

The form is read with the request body capped at BODY_LIMIT (a file's limit and room for
the form's fields): a larger body is read no further than needed to answer, parsed into
nothing and refused with a sentence naming the limit. Each file Starlette spools to a
temporary file (on disk past 1 MB) is hashed and typed there (shared/documents/kinds.py);
a refused file, a cut-off upload (the parser closes and deletes what it spooled) or a form
refused for any other reason leaves nothing in the document store: `keep` writes the files
only once the page has found nothing wrong, just before the command that attaches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.types import Message

from shared.documents import kinds
from shared.documents.store import DocumentStore

FILE_LIMIT = kinds.MAX_BYTES
BODY_LIMIT = FILE_LIMIT + 1024 * 1024
_DRAIN_LIMIT = 8 * BODY_LIMIT  # past this the connection is simply closed
MAX_FILES = 60
UPLOAD_HINT = kinds.HINT


class TooLarge(Exception):
    """The request body passed the limit; nothing of it was kept."""

    def __str__(self) -> str:
        return (f"The files sent at once must be {kinds.megabytes(FILE_LIMIT)} or smaller in all:"
                " nothing was saved, so send smaller files or fewer at a time")


async def form_within(request: Request, limit: int = BODY_LIMIT) -> FormData:
    """The request's form, read with its body capped at `limit` (cached for `check_csrf`)."""
    if request._form is not None:
        return request._form
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        await _drain(request, 0)
        raise TooLarge()
    original, received = request._receive, 0

    async def capped() -> Message:
        nonlocal received
        message = await original()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise TooLarge()
        return message

    request._receive = capped
    try:
        return await request.form(max_files=MAX_FILES, max_fields=1000)
    except TooLarge:
        await _drain(request, received, original)
        raise
    finally:
        request._receive = original


async def _drain(request: Request, read: int, receive: object = None) -> None:
    """Read the rest of a refused body (discarded) so that the client hears the answer."""
    receive = receive or request._receive
    more = True
    while more and read <= _DRAIN_LIMIT:
        message = await receive()  # type: ignore[operator]
        if message["type"] != "http.request":
            return
        read += len(message.get("body", b""))
        more = message.get("more_body", False)


def files_of(form: FormData, name: str) -> list[UploadFile]:
    """The files chosen in the input `name` (a browser sends an empty part when none was)."""
    return [f for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]


@dataclass
class Uploads:
    """The files of one form, taken or refused, by input."""

    taken: dict[str, list[tuple[kinds.Taken, UploadFile]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def refs(self, name: str) -> list[dict[str, object]]:
        return [t.ref() for t, _ in self.taken.get(name, [])]


async def take_files(form: FormData, names: list[str]) -> Uploads:
    """Hash and type the files of each input (off the event loop: they are read whole);
    the first refusal of an input is its error."""
    out = Uploads()
    for name in names:
        for upload in files_of(form, name):
            try:
                taken = await run_in_threadpool(kinds.take, upload.file, upload.filename or "", FILE_LIMIT)
            except kinds.Refused as refused:
                out.errors.setdefault(name, str(refused))
                continue
            out.taken.setdefault(name, []).append((taken, upload))
    return out


async def keep(documents: DocumentStore, uploads: Uploads) -> None:
    """Write every taken file to the store (once per hash: the same file again changes nothing)."""
    for taken, upload in (pair for pairs in uploads.taken.values() for pair in pairs):
        await upload.seek(0)
        stored = await documents.put(await upload.read(), taken.media_type)
        if stored != taken.sha256:  # the spooled file changed under us: never attach a wrong hash
            raise RuntimeError(f"{taken.name} changed while it was being stored")
