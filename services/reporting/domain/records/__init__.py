"""The reporting service's command side (pure): indicator ratings backed by evidence,
the yearly report's lifecycle and the risk register."""
