"""NATS and PostgreSQL for the platform: the ones named by URL, or embedded ones."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from shared.config import Settings
from shared.runtime import db_roles
from shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres
from shared.runtime.host import load_partnerships
from shared.runtime.nats_auth import (
    SERVER_INCLUDE,
    NatsAuth,
    carry_streams_over,
    without_credentials,
    write_private,
)
from shared.runtime.private_files import private_dir

DATABASE = "scrutiny"


@dataclass
class Servers:
    """Starts whatever is not given by URL; remembers the URLs in data_dir/runtime.json
    so that `scrutiny verify`, `replay` and `boardpack` find a running platform.

    The embedded NATS server runs with authorisation on (`shared.runtime.nats_auth`):
    `nats_url` carries the services' user and password, so every client of the
    platform's own (services, demo, health checks) connects as it; agencies get
    their own users from `scrutiny agency add`."""

    settings: Settings
    nats_url: str = ""
    database_url: str = ""
    # Each service's own URL (its PostgreSQL role) when settings.database_roles; database_url
    # stays the administrator's, for the set-up and the command line (verify, replay, erase).
    service_database_urls: dict[str, str] = field(default_factory=dict)
    _embedded: list[EmbeddedNats | EmbeddedPostgres] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir.resolve()

    @property
    def runtime_file(self) -> Path:
        return self.data_dir / "runtime.json"

    async def start(self) -> "Servers":
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # One made before (0755) too: credentials, logs and outputs are in it.
        private_dir(self.data_dir, strict=False)
        if self.settings.nats_url:
            self.nats_url = self.settings.nats_url
        else:
            auth = NatsAuth(self.data_dir)
            partnerships = load_partnerships(self.settings.profiles)
            auth.write_config(serving=partnerships, agencies=[a.id for p in partnerships.values() for a in p.agencies])
            nats = EmbeddedNats(self.data_dir, extra_config=SERVER_INCLUDE)
            carry_streams_over(nats.dir)  # a release before the services' account: its streams
            self.nats_url = auth.service_url(nats.start())
            self._embedded.append(nats)
        if self.settings.database_url:
            self.database_url = self.settings.database_url
        else:
            postgres = EmbeddedPostgres(self.data_dir)
            postgres.start()
            self._embedded.append(postgres)
            self.database_url = await postgres.ensure_database(DATABASE)
        if self.settings.database_roles:
            self.service_database_urls = await db_roles.prepare(self.database_url)
        # Only its owner may read it: the NATS URL holds the services' password.
        write_private(
            self.runtime_file,
            json.dumps({"pid": os.getpid(), "nats_url": self.nats_url, "database_url": self.database_url}),
        )
        return self

    def database_url_for(self, service: str) -> str:
        """The URL `service` connects with: its own role's, or the one URL."""
        return self.service_database_urls.get(service, self.database_url)

    @property
    def public_nats_url(self) -> str:
        """The NATS URL without credentials: the one to print or give an agency."""
        return without_credentials(self.nats_url)

    def stop(self) -> None:
        self.runtime_file.unlink(missing_ok=True)
        for server in reversed(self._embedded):
            server.stop()
        self._embedded.clear()


def running_platform(settings: Settings) -> dict[str, str] | None:
    """The URLs of a platform started from this data directory, if it is still running."""
    runtime = settings.data_dir.resolve() / "runtime.json"
    if not runtime.exists():
        return None
    state = json.loads(runtime.read_text())
    return state if psutil.pid_exists(state["pid"]) else None
