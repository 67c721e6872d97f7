"""The pure core: no I/O, no clock, no framework. Time and data are passed in."""
