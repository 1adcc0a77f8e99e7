"""The reports area: the records the tiered, thematic and yearly reports are assembled from
and the facts recorded within them (`projection.py`: report_records, report_facts) and
their queries (`queries.py`). Its row types are in domain/views/report_rows.py (pure)."""
