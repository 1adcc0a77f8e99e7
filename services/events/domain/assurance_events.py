"""One assurance activity's stream: its id, state and fold (the names the first
version of the service used; the lifecycle lives in `lifecycle` and the modules beside it)."""

from services.events.domain.lifecycle import decide_conclusion
from services.events.domain.state import AssuranceEvent, evolve, stream_id

__all__ = ["AssuranceEvent", "decide_conclusion", "evolve", "stream_id"]
