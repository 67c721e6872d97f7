"""Validated shapes of what comes in and goes out through the API and the forms (XCreate/XPublic),
one module per area."""
