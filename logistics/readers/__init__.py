"""Readers of files the operator gives: the TOML files in config/ and data loggers' CSV exports."""
