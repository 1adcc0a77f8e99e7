"""The independent scrutineer's area: appointments, conflicts of interest, challenges,
recommendations and the scrutineer's annual report (`projection.py`) and the workspace's
queries (`queries.py`). Its row types are declared with its view in domain/views/scrutiny.py (pure)."""
