"""The benchmark of `make bench`: every figure of a complaint as a ratio to the bare engine."""
