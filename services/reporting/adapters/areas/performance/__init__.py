"""The performance data area: indicator values and early warnings, their tables and
projection (`projection.py`) and queries (`queries.py`). Its row types are declared with
its view in domain/views/performance.py (pure)."""
