from tests.web.conftest import app, client, token_for  # noqa: F401  (shared fixtures)
