"""Robustness and sensitivity of rankings and tiers, and the statistician's indicator statistics.

Numeric analysis outside the exact scoring path (numpy, scipy, SALib). The nominal ranking always
comes from the exact engine; the draws perturb it. The one module that reads the domain's schemes
and breakdowns is `extract`; everything else works on the arrays it returns.
"""
