"""Benchmarks (``make bench``): each ``bench_*.py`` module measures one area.

A module defines ``run(quick: bool) -> list[Figure]``; ``python -m bench`` runs them all (or the
ones named on the command line), prints the table and rewrites ``docs/benchmarks.md``.
"""
