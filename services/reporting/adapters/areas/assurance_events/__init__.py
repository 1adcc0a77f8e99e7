"""The assurance events area: its tables and projection (`projection.py`: each event's
lifecycle, preparation milestones, the concluded events) and its queries (`queries.py`).
Its row types are declared with its view in domain/views/assurance_events.py (pure)."""
