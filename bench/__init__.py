"""Benchmarks: ``make bench`` (or ``python -m bench [launch|search]``).

Each prints its figures and the ratios against a baseline measured in the same run.
"""
