"""Which partnerships a sender may act in: checked once, in the gateway, for every
partnership a command records in besides the one on its subject.

The subject's own partnership is the NATS server's to enforce (an agency may publish
only `{ns}.{p}.cmd.*.*.{agency}` for the partnerships its credentials name). A command
that also records elsewhere (a Section 11 return `also_submit_to` other partnerships)
carries those partnerships in its payload, where the server cannot see them, so the
gateway applies the same rule: an agency may act in a partnership whose profile lists
it and, where it connects with credentials of its own (`scrutiny agency add`), that
those credentials cover. The business unit's subjects are the platform's own user's:
it acts in every partnership the installation serves.
"""

from __future__ import annotations

from pathlib import Path

from shared.messaging.commands import Sender
from shared.partnerships import Partnerships
from shared.refusals import Refusal
from shared.runtime.nats_auth import INBOX, AgencyCredentials, NatsAuth

IMPORTED_REPLY = "_R_"  # the prefix of the reply subjects nats-server makes for an imported request


class Permissions:
    def __init__(self, partnerships: Partnerships, data_dir: Path | None = None) -> None:
        self._partnerships = partnerships
        self._auth = NatsAuth(data_dir) if data_dir is not None else None
        self._agencies = frozenset(a.id for profile in partnerships.values() for a in profile.agencies)

    def answers_to(self, agency: str, reply: str) -> bool:
        """A service answers an agency's request only in an inbox, and never in another
        agency's (`_INBOX.{agency}.…`, the prefix its credentials subscribe to): a reply
        subject of the sender's choosing once delivered fake outcomes to another agency,
        stored junk in an event stream and dead letters under another's name."""
        inbox, _, rest = reply.partition(".")
        if inbox == IMPORTED_REPLY and rest:
            # A request from an agency's own account (shared/runtime/nats_auth.py): the server
            # made this reply subject and routes the answer to that agency's inbox only.
            return True
        owner = rest.split(".", 1)[0]
        return inbox == INBOX and bool(owner) and (owner == agency or owner not in self._agencies)

    def check(self, sender: Sender, agency: str | None, partnership_id: str, field: str) -> None:
        """Refuse, naming the field, a partnership the sender may not act in."""
        if partnership_id not in self._partnerships:
            raise Refusal("unknown_partnership", f"{partnership_id!r} is not a partnership on this platform", field)
        if not self.may_act(sender, agency, partnership_id):
            raise Refusal("not_permitted", f"{agency or sender.value} may not act in partnership {partnership_id!r}", field)

    def may_act(self, sender: Sender, agency: str | None, partnership_id: str) -> bool:
        if partnership_id not in self._partnerships:
            return False
        if sender is Sender.BUSINESS_UNIT:
            return True
        profile = self._partnerships[partnership_id]
        if agency not in {a.id for a in profile.agencies}:
            return False
        credentials = self._credentials(agency)
        # Read afresh each time (only commands that reach other partnerships ask): an
        # agency added or changed while the platform runs is judged by its file of now.
        return credentials is None or partnership_id in credentials.partnerships

    def _credentials(self, agency: str) -> AgencyCredentials | None:
        if self._auth is None:
            return None
        path = self._auth.agency_file(agency)
        return AgencyCredentials.from_file(path) if path.exists() else None
