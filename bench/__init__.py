"""The benchmark of the booking engine (not a test): workload W of the booking-engine issue."""
