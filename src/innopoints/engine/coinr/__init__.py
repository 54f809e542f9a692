"""COINr-grade composite-indicator methods (JRC COINr 1.1.14), vectorised in numpy.

Data are ``(n units × k indicators)`` float64 matrices with NaN for missing; every function
works on all indicators at once. See docs/coinr.md for the methods, the options and the
COINr behaviours matched or deliberately not copied.
"""

from innopoints.engine.coinr.aggregate import AGGREGATORS, aggregate_tree, copeland
from innopoints.engine.coinr.moments import kurt, skew
from innopoints.engine.coinr.normalisers import NORMALISERS, normalise
from innopoints.engine.coinr.treat import TreatOptions, TreatResult, treat
from innopoints.engine.coinr.tree import Tree
from innopoints.engine.coinr.weights import OptWeights, opt_weights

__all__ = [
    "AGGREGATORS",
    "NORMALISERS",
    "OptWeights",
    "TreatOptions",
    "TreatResult",
    "Tree",
    "aggregate_tree",
    "copeland",
    "kurt",
    "normalise",
    "opt_weights",
    "skew",
    "treat",
]
