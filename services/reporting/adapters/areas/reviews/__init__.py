"""The reviews and actions area: the review clocks, their history, information requests,
audit gradings, escalated concerns and the impact log (`projection.py`, `queries.py`), and
the action tracker with each action's history (`actions_projection.py`, `actions_queries.py`).
Its row types are declared with its views in domain/views/reviews.py and actions.py (pure)."""
