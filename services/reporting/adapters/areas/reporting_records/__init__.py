"""Reporting's own records: indicator ratings, yearly reports and the steps of their
sign-off, the risk register, scheduled reports presented or missed, the calendar of
meetings (`projection.py`), and their queries (`queries.py`). Row types: domain/views/
report_rows.py and board_pack_schedule.py (pure)."""
