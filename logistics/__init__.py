"""Cold-chain reagent logistics tracker."""

__version__ = "0.1.0"
