"""The performance data area: indicator values and early warnings, their tables, projection
and queries in one module (`queries.py`). Its row types are declared with its view in
domain/views/performance.py (pure)."""
