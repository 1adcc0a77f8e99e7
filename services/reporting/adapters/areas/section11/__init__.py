"""The Section 11 area: its tables and projection (`projection.py`: cycles, returns,
ratings, amendments, risk flags, call-ins, surveys, confidence gaps, workshops, prompts) and
its queries (`queries.py`). Its row types are declared with its view in
domain/views/section11.py (pure, so the view is built from them without an adapter)."""
