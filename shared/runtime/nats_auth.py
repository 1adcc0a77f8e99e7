"""Who may connect to the embedded NATS server, and what each user may publish and read.

Users and passwords, not nkeys: every NATS client in every language takes a
user and password with no extra library (nkeys need the `nkeys` package, and an
agency's client should need nothing but its NATS client), and the passwords are
256-bit random tokens, never chosen by a person. The server's configuration
holds them in clear, so it is written 0600 beside the databases it protects, as
are the credential files; nothing else ever prints or logs them. A password
crosses the connection, so an agency outside this machine connects over TLS.

- The platform's services connect as `scrutiny-services`, with every right.
- An agency connects as its id, and may
  - publish only its own commands, `{ns}.{p}.cmd.*.*.{agency}`, in each
    partnership `p` it belongs to (the gateway then checks the payload's
    agency against the subject's last token);
  - subscribe only to its replies, under its own inbox prefix
    `_INBOX.{agency}` (so no agency can read another's answers), and to the
    outcomes addressed to it, `{ns}.*.out.{agency}.>`. Outcomes from the
    other partnerships this installation serves are denied, so a wildcard
    subscription never hears a partnership the agency was not given.

Files, under the data directory:

    credentials/scrutiny-services.json      the services' password     0600
    credentials/agencies/{agency}.json      one agency's credentials   0600
    credentials/partnerships.json           every partnership served (for the denials)
    nats/auth.conf                          the `authorization` block, regenerated from them, 0600
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from shared.messaging.outcomes import outcomes_for

SERVICE_USER = "scrutiny-services"
INBOX = "_INBOX"
CONFIG_NAME = "auth.conf"
# Included by the config file EmbeddedNats writes beside it (paths are relative to that file).
# max_payload: the services refuse a command over 256 KiB with a clear answer
# (shared/messaging/gateway.py); the server refuses anything over twice that before it
# reaches a service, so a flood of huge messages cannot make a service a slow consumer.
MAX_PAYLOAD = 512 * 1024
SERVER_INCLUDE = f'include "{CONFIG_NAME}"\nmax_payload: {MAX_PAYLOAD}\n'
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically (a reloading server never sees half of it)."""
    for folder in reversed([path.parent, *path.parent.parents]):
        if not folder.exists():
            folder.mkdir(mode=0o700)  # each folder it creates, not only the last
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(partial, path)


def with_credentials(url: str, user: str, password: str) -> str:
    """`nats://host:port` -> `nats://user:password@host:port` (nats-py and faststream read them there)."""
    parts = urlsplit(url)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit(parts._replace(netloc=netloc))


def without_credentials(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


@dataclass(frozen=True)
class AgencyCredentials:
    agency_id: str
    password: str
    namespace: str
    partnerships: tuple[str, ...]
    created_at: str

    @property
    def user(self) -> str:
        return self.agency_id

    @property
    def inbox_prefix(self) -> str:
        return f"{INBOX}.{self.agency_id}"

    def publish_allow(self) -> list[str]:
        return [f"{self.namespace}.{p}.cmd.*.*.{self.agency_id}" for p in self.partnerships]

    def subscribe_allow(self) -> list[str]:
        return [f"{self.inbox_prefix}.>", outcomes_for(self.namespace, self.agency_id)]

    def subscribe_deny(self, served: Iterable[str]) -> list[str]:
        return [outcomes_for(self.namespace, self.agency_id, p) for p in sorted(set(served) - set(self.partnerships))]

    def to_json(self) -> str:
        document = asdict(self) | {
            "user": self.user,
            "inbox_prefix": self.inbox_prefix,
            "publish": self.publish_allow(),
            "subscribe": self.subscribe_allow(),
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_file(cls, path: Path) -> AgencyCredentials:
        data = json.loads(path.read_text())
        return cls(
            data["agency_id"], data["password"], data["namespace"], tuple(data["partnerships"]), data["created_at"]
        )


class NatsAuth:
    def __init__(self, data_dir: Path) -> None:
        root = Path(data_dir).resolve()
        self.credentials_dir = root / "credentials"
        self.config_file = root / "nats" / CONFIG_NAME
        self._service_file = self.credentials_dir / f"{SERVICE_USER}.json"
        self._served_file = self.credentials_dir / "partnerships.json"

    # -- the platform's own user -----------------------------------------------------------

    def service_password(self) -> str:
        if not self._service_file.exists():
            document = {"user": SERVICE_USER, "password": secrets.token_urlsafe(32)}
            write_private(self._service_file, json.dumps(document, indent=2) + "\n")
        return str(json.loads(self._service_file.read_text())["password"])

    def service_url(self, url: str) -> str:
        """The server's URL with the services' user and password in it."""
        return with_credentials(url, SERVICE_USER, self.service_password())

    # -- agencies --------------------------------------------------------------------------

    def agency_file(self, agency_id: str) -> Path:
        return self.credentials_dir / "agencies" / f"{agency_id}.json"

    def add_agency(
        self, agency_id: str, partnerships: Iterable[str], *, namespace: str, rotate: bool = False
    ) -> AgencyCredentials:
        """Write (or update) an agency's credentials; its password is kept unless `rotate`."""
        if not _TOKEN.match(agency_id) or agency_id == SERVICE_USER:
            raise ValueError(f"{agency_id!r} cannot be an agency's user: use the agency's id from the profile")
        partnerships = tuple(sorted(set(partnerships)))
        if not partnerships:
            raise ValueError(f"{agency_id} belongs to no partnership: it could publish nothing")
        path = self.agency_file(agency_id)
        known = AgencyCredentials.from_file(path) if path.exists() else None
        credentials = AgencyCredentials(
            agency_id=agency_id,
            password=known.password if known and not rotate else secrets.token_urlsafe(32),
            namespace=namespace,
            partnerships=partnerships,
            created_at=known.created_at if known else datetime.now(UTC).isoformat(timespec="seconds"),
        )
        write_private(path, credentials.to_json())
        return credentials

    def agencies(self) -> list[AgencyCredentials]:
        folder = self.credentials_dir / "agencies"
        return [AgencyCredentials.from_file(p) for p in sorted(folder.glob("*.json"))] if folder.exists() else []

    # -- the server's configuration ------------------------------------------------------------

    def served(self) -> set[str]:
        return set(json.loads(self._served_file.read_text())) if self._served_file.exists() else set()

    def write_config(self, serving: Iterable[str] = ()) -> Path:
        """Regenerate the server's `authorization` block; `serving` joins the partnerships remembered."""
        served = self.served() | set(serving)
        write_private(self._served_file, json.dumps(sorted(served)) + "\n")
        write_private(self.config_file, self.render(served))
        return self.config_file

    def render(self, served: set[str]) -> str:
        users: list[dict[str, object]] = [{"user": SERVICE_USER, "password": self.service_password()}]
        for agency in self.agencies():
            subscribe: dict[str, list[str]] = {"allow": agency.subscribe_allow()}
            if deny := agency.subscribe_deny(served):
                subscribe["deny"] = deny
            users.append({
                "user": agency.user,
                "password": agency.password,
                "permissions": {"publish": {"allow": agency.publish_allow()}, "subscribe": subscribe},
            })
        return (
            f"# Written by scrutiny from {self.credentials_dir}: `scrutiny agency add` changes it.\n"
            f"authorization {{\n  users = {json.dumps(users, indent=2)}\n}}\n"
        )
