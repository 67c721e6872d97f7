"""Readers of what operators hand in: the TOML files in config/, data loggers' CSV exports, and the GS1
barcodes scanned from packs at receiving."""
