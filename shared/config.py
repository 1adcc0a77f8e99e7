"""Settings from the environment: embedded servers by default, external ones by URL."""

from datetime import date
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.clock import Clock, platform_clock


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCRUTINY_", extra="ignore")

    # When unset, `scrutiny up` starts embedded servers under data_dir.
    nats_url: str | None = None
    database_url: str | None = None
    # `scrutiny up` connects each service as its own PostgreSQL role (shared/runtime/db_roles.py),
    # set up through database_url; false: every service connects with database_url itself.
    database_roles: bool = True
    data_dir: Path = Path(".scrutiny")
    # Root of every subject and prefix of every stream name.
    namespace: str = "scrutiny"
    # Framework profiles this installation serves (built-in ids or file paths).
    profiles: list[str] = ["north-lincolnshire"]
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 0  # 0: a free port, printed at start-up
    # The front door (people sign in; reporting's process serves it on dashboard_host:port).
    # Its address as people reach it, for the links it makes (invitations, sign-in links,
    # the directory's return); unset: the address each request came to.
    base_url: str | None = None
    # HTTPS: the platform serves TLS itself when given a certificate and its key (PEM);
    # behind a reverse proxy that terminates TLS, leave unset and set base_url to https://…
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    # OpenID Connect sign-in with the organisations' own directory (Microsoft Entra ID and the
    # like); needs base_url, whose /sign-in/directory/back is the redirect URI to register.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_name: str | None = None
    # Email of the notices people are sent (docs/operations.md, "Notifications and email"):
    # smtp://user:password@host:587?from=noreply@example.org&starttls=1 (or smtps://…:465);
    # unset: nothing is emailed, each person reads their messages in the front door's inbox.
    smtp_url: str | None = None
    # Each agency's fair share of a service process (shared/messaging/limits.py): requests
    # being handled at once, and its rate (sustained per second, and the burst allowed).
    agency_in_flight: int = 64
    agency_rate_per_second: float = 200.0
    agency_burst: int = 400
    # Deprecated: the shared dashboard token is gone from the platform (people sign in);
    # kept so an old environment that sets it does not fail to start.
    dashboard_token: str | None = None
    deadline_interval_seconds: float = 5.0
    # Copies of each JetStream stream a service creates: 3 on a three-node cluster
    # (deploy/README.md). Streams that already exist are left as they are.
    stream_replicas: int = 1
    log_level: str = "INFO"
    # "json": every process logs one JSON object a line (time, level, service, logger,
    # message, trace_id, span_id); "text": the readable lines (shared/telemetry/logs.py).
    log_format: str = "text"
    # Each service process serves /metrics, /healthz and /readyz here (docs/operations.md,
    # "Metrics, dashboards and alerts"); None: not served (its gauges still sampled), 0: a
    # free port. `scrutiny up` gives each service its own: metrics_port + its index when
    # set, else a free one, recorded in data_dir/runtime.json.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    # How often each process samples the gauges that need a query (outbox depth, lag, ...).
    metrics_interval_seconds: float = 5.0
    # Run the platform as if today were this day (London): its clock ticks as the wall clock
    # does, moved by whole days (shared/clock.py ShiftedClock). For trying a date-sensitive run
    # on another day, as the suite does; unset in production.
    today: date | None = None
    # Run on the clock a demo moves through the year it plays (shared/runtime/demo_clock.py):
    # set by `scrutiny demo` for the services it starts; never in production.
    demo_clock: bool = False

    def clock(self) -> Clock:
        return platform_clock(self.today)
