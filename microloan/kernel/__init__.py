"""Shared primitives: money in fen, rates, rounding, business date, public ids, domain errors."""
