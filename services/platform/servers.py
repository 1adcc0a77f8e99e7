"""NATS and PostgreSQL for the platform: the ones named by URL, or embedded ones."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from shared.config import Settings
from shared.runtime.embedded import EmbeddedNats, EmbeddedPostgres

DATABASE = "scrutiny"


@dataclass
class Servers:
    """Starts whatever is not given by URL; remembers the URLs in data_dir/runtime.json
    so that `scrutiny verify`, `replay` and `boardpack` find a running platform."""

    settings: Settings
    nats_url: str = ""
    database_url: str = ""
    _embedded: list[EmbeddedNats | EmbeddedPostgres] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir.resolve()

    @property
    def runtime_file(self) -> Path:
        return self.data_dir / "runtime.json"

    async def start(self) -> "Servers":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.settings.nats_url:
            self.nats_url = self.settings.nats_url
        else:
            nats = EmbeddedNats(self.data_dir)
            self.nats_url = nats.start()
            self._embedded.append(nats)
        if self.settings.database_url:
            self.database_url = self.settings.database_url
        else:
            postgres = EmbeddedPostgres(self.data_dir)
            postgres.start()
            self._embedded.append(postgres)
            self.database_url = await postgres.ensure_database(DATABASE)
        self.runtime_file.write_text(
            json.dumps({"pid": os.getpid(), "nats_url": self.nats_url, "database_url": self.database_url})
        )
        return self

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
