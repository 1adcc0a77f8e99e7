"""Documents kept as evidence, content-addressed (SHA-256), in the platform's own store.

    refs.py    the documents an event's payload attaches (pure: the bundle check uses it)
    kinds.py   which files are accepted: by their content, never by their name (pure)
    store.py   where the bytes are kept: PostgreSQL, schema `documents` (SCRUTINY_DOCUMENTS_URL)
    checks.py  `scrutiny verify` of the documents, who attached one, and erasing one

The event that attaches a document carries its `DocumentRef` (shared/catalogue/documents.py),
so the hash chain covers the document's hash; its bytes are written once per hash. Nothing
is imported here, so the pure parts load where no database driver is installed.
"""
