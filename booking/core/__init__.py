"""The pure booking domain: intervals, rules, availability and recurrence (no I/O, no clock)."""
