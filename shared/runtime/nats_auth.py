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

Each agency is an account of its own on the server (the services' is `SCRUTINY`, which
holds JetStream): the services' account exports the command subjects (a service) and the
outcomes (a stream), and each agency's account imports only its own, in its partnerships. An
account has limits a user cannot have (security finding 5): at most
`AGENCY_MAX_CONNECTIONS` connections and `AGENCY_MAX_SUBSCRIPTIONS` subscriptions at
once, and messages of `MAX_PAYLOAD`; the server refuses the next connection ("maximum
account active connections exceeded") or subscription, and no other agency notices. A
request imported from an agency's account reaches a service with a reply subject the
server made (`_R_.…`), which routes the answer back to the agency's own inbox only.

Files, under the data directory:

    credentials/scrutiny-services.json      the services' password     0600
    credentials/agencies/{agency}.json      one agency's credentials   0600
    credentials/partnerships.json           every partnership served (for the denials)
    credentials/agency-accounts.json        every agency of those partnerships (an account each)
    nats/auth.conf                          the `accounts` block, regenerated from them, 0600
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
# Per agency (its account), at once: a client needs one connection (two while it restarts)
# and a subscription for its inbox and one per kind of outcome it follows.
AGENCY_MAX_CONNECTIONS = 8
AGENCY_MAX_SUBSCRIPTIONS = 128
SERVICES_ACCOUNT = "SCRUTINY"
GLOBAL_ACCOUNT = "$G"  # the account users of an `authorization` block were in, before accounts
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
        self._accounts_file = self.credentials_dir / "agency-accounts.json"

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

    def accounts(self) -> set[str]:
        """The agencies given an account (with or without credentials yet)."""
        return set(json.loads(self._accounts_file.read_text())) if self._accounts_file.exists() else set()

    def write_config(self, serving: Iterable[str] = (), agencies: Iterable[str] = ()) -> Path:
        """Regenerate the server's accounts; `serving` joins the partnerships remembered and
        `agencies` the agencies given an account. Every agency of the partnerships served gets
        its account when the server starts: nats-server wires no import of an account a
        reload adds, so `scrutiny agency add` on a running server only fills one in."""
        served = self.served() | set(serving)
        write_private(self._served_file, json.dumps(sorted(served)) + "\n")
        known = self.accounts() | set(agencies)
        write_private(self._accounts_file, json.dumps(sorted(known)) + "\n")
        write_private(self.config_file, self.render(served, known))
        return self.config_file

    def render(self, served: set[str], known: Iterable[str] = ()) -> str:
        # Every agency that may be given credentials has its account from the start, empty
        # until it has (see write_config); the limits apply from the first connection.
        limits = {"max_connections": AGENCY_MAX_CONNECTIONS, "max_subscriptions": AGENCY_MAX_SUBSCRIPTIONS, "max_payload": MAX_PAYLOAD}
        accounts: dict[str, dict[str, object]] = {account_of(a): {"limits": limits} for a in sorted(known)}
        for agency in self.agencies():
            account = account_of(agency.agency_id)
            subscribe: dict[str, list[str]] = {"allow": agency.subscribe_allow()}
            if deny := agency.subscribe_deny(served):
                subscribe["deny"] = deny
            accounts[account] = {
                "users": [{
                    "user": agency.user,
                    "password": agency.password,
                    "permissions": {"publish": {"allow": agency.publish_allow()}, "subscribe": subscribe},
                }],
                "imports": [
                    *({"service": {"account": SERVICES_ACCOUNT, "subject": subject}} for subject in agency.publish_allow()),
                    *({"stream": {"account": SERVICES_ACCOUNT, "subject": outcomes_for(agency.namespace, agency.agency_id, p)}}
                      for p in agency.partnerships),
                ],
                "limits": limits,
            }
        # Exported to every account (none but these imports), fixed whatever agencies there
        # are, so a reload never changes the services' account; each agency's account imports
        # only its own subjects in its own partnerships.
        services: dict[str, object] = {
            "jetstream": "enabled",
            "users": [{"user": SERVICE_USER, "password": self.service_password()}],
            "exports": [{"service": "*.*.cmd.>"}, {"stream": "*.*.out.>"}],
        }
        return (
            f"# Written by scrutiny from {self.credentials_dir}: `scrutiny agency add` changes it.\n"
            f"accounts = {json.dumps({SERVICES_ACCOUNT: services} | accounts, indent=2)}\n"
        )


def account_of(agency_id: str) -> str:
    """The server account an agency's user is in."""
    return f"AGENCY_{agency_id}"


def carry_streams_over(store_dir: Path) -> bool:
    """Before the embedded server starts: the JetStream data of an installation made before
    the services had an account of their own (it was the global account's) becomes the
    services account's, streams and consumers as they were. True when it moved."""
    jetstream = Path(store_dir) / "jetstream"
    old, new = jetstream / GLOBAL_ACCOUNT, jetstream / SERVICES_ACCOUNT
    if old.is_dir() and not new.exists():
        old.rename(new)
        return True
    return False
