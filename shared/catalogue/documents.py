"""A document attached to a record as its evidence (shared/documents/ keeps its bytes).

An event that attaches a document carries a `DocumentRef`: the SHA-256 of its bytes, so
the hash chain covers the document (change a byte and the stored bytes no longer match
the hash the chain holds), its file name, its type (found from its content, never from
the name) and its size. The file name may name a person or a family ("Referral for J
Smith.pdf"), so it is sealed (`shared.personal_data`) with the key of the document
itself: erasing the document (`scrutiny erase --document SHA256`) deletes that key with
the bytes, and the name reads `[erased]` everywhere.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.catalogue.personal import Personal

SHA256_PATTERN = r"^[0-9a-f]{64}$"


class DocumentRef(BaseModel):
    """A document kept as evidence: its SHA-256, its file name (sealed), its type and size."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: Annotated[str, Field(pattern=SHA256_PATTERN, description="SHA-256 of the document's bytes, hexadecimal")]
    # Sealed in the store: the limit leaves room for the sealed form of a 1,000-character name.
    name: Annotated[str, Personal(subject="sha256"), Field(min_length=1, max_length=2000, description="The file's name")]
    media_type: Annotated[str, Field(min_length=3, max_length=120, description="Its type, found from its content")]
    size: Annotated[int, Field(ge=0, description="Its size in bytes")]
