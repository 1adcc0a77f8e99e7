"""The embedded NATS server's accounts: one per agency, with its limits, importing only its
own subjects; and a data directory from before the services had an account keeps its streams."""

import json
from pathlib import Path

from shared.runtime.nats_auth import (
    AGENCY_MAX_CONNECTIONS,
    AGENCY_MAX_SUBSCRIPTIONS,
    MAX_PAYLOAD,
    SERVICES_ACCOUNT,
    NatsAuth,
    account_of,
    carry_streams_over,
)


def _accounts(auth: NatsAuth) -> dict:
    text = auth.config_file.read_text()
    return json.loads(text[text.index("accounts = ") + len("accounts = "):])


def test_each_agency_is_an_account_with_limits_importing_only_its_own_subjects(tmp_path: Path) -> None:
    auth = NatsAuth(tmp_path)
    auth.add_agency("humberside-police", ["north-lincolnshire"], namespace="ns")
    auth.write_config(["north-lincolnshire", "twin"], agencies=["humberside-police", "nlc-housing"])
    accounts = _accounts(auth)
    assert set(accounts) == {SERVICES_ACCOUNT, account_of("humberside-police"), account_of("nlc-housing")}
    assert accounts[SERVICES_ACCOUNT]["jetstream"] == "enabled"
    police = accounts[account_of("humberside-police")]
    assert police["limits"] == {"max_connections": AGENCY_MAX_CONNECTIONS, "max_subscriptions": AGENCY_MAX_SUBSCRIPTIONS,
                                "max_payload": MAX_PAYLOAD}
    assert [i.get("service", i.get("stream"))["subject"] for i in police["imports"]] == [
        "ns.north-lincolnshire.cmd.*.*.humberside-police", "ns.north-lincolnshire.out.humberside-police.>",
    ]
    # An agency of a partnership served but without credentials yet: its account, empty, from the start.
    assert accounts[account_of("nlc-housing")] == {"limits": police["limits"]}
    assert auth.accounts() == {"humberside-police", "nlc-housing"}


def test_the_global_accounts_streams_become_the_services_accounts_once(tmp_path: Path) -> None:
    old = tmp_path / "jetstream" / "$G" / "streams" / "SCRUTINY_SECTION11"
    old.mkdir(parents=True)
    (old / "meta.inf").write_text("kept")
    assert carry_streams_over(tmp_path)
    assert (tmp_path / "jetstream" / SERVICES_ACCOUNT / "streams" / "SCRUTINY_SECTION11" / "meta.inf").read_text() == "kept"
    assert not carry_streams_over(tmp_path)  # done: nothing to move again
