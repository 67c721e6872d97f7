import pytest

from logistics.db.engine import unit_of_work
from logistics.services import users
from logistics.services.errors import InputError


def test_passwords_are_hashed_with_argon2id_and_checked(sqlite_runtime):
    with unit_of_work(sqlite_runtime.sessions, actor="admin") as session:
        user = users.add_user(session, username="nok", role="pharmacy", password="long-enough-1")
    assert user.password_hash.startswith("$argon2id$")
    with sqlite_runtime.sessions() as session:
        assert users.authenticate(session, "nok", "long-enough-1").username == "nok"
        assert users.authenticate(session, "nok", "wrong-password") is None
        assert users.authenticate(session, "nobody", "long-enough-1") is None


def test_disabled_users_cannot_sign_in_or_use_tokens(sqlite_runtime):
    with unit_of_work(sqlite_runtime.sessions, actor="admin") as session:
        users.add_user(session, username="nok", role="pharmacy", password="long-enough-1")
        token = users.issue_token(session, "nok")
    with unit_of_work(sqlite_runtime.sessions, actor="admin") as session:
        users.get_user(session, "nok").active = False
    with sqlite_runtime.sessions() as session:
        assert users.authenticate(session, "nok", "long-enough-1") is None
        assert users.user_for_token(session, token) is None


@pytest.mark.parametrize(("fields", "field"), [
    (dict(username="Bad Name", role="qa", password="long-enough-1"), "username"),
    (dict(username="nok", role="superuser", password="long-enough-1"), "role"),
    (dict(username="nok", role="qa", password="short"), "password"),
    (dict(username="nok", role="qa", password="long-enough-1", language="fr"), "language"),
])
def test_bad_user_input_names_the_field(sqlite_runtime, fields, field):
    with pytest.raises(InputError) as raised:
        with unit_of_work(sqlite_runtime.sessions, actor="admin") as session:
            users.add_user(session, **fields)
    assert field in raised.value.errors


def test_tokens_are_stored_hashed_and_can_be_revoked(sqlite_runtime):
    from sqlmodel import select

    from logistics.db.models import ApiToken

    with unit_of_work(sqlite_runtime.sessions, actor="admin") as session:
        users.add_user(session, username="erp", role="logistics", password="long-enough-1")
        token = users.issue_token(session, "erp", "ERP sync")
    with sqlite_runtime.sessions() as session:
        assert users.user_for_token(session, token).username == "erp"
        assert token not in session.exec(select(ApiToken.token_hash)).one()
    with unit_of_work(sqlite_runtime.sessions, actor="admin") as session:
        assert users.revoke_tokens(session, "erp") == 1
    with sqlite_runtime.sessions() as session:
        assert users.user_for_token(session, token) is None


def test_a_users_language_is_one_the_pages_speak(sqlite_runtime):
    with unit_of_work(sqlite_runtime.sessions, actor="admin") as session:
        users.add_user(session, username="somchai", role="pharmacy", password="long-enough-1", language="th")
        users.set_language(session, "somchai", "zh_CN")
        assert users.get_user(session, "somchai").language == "zh_CN"
        with pytest.raises(InputError, match="language"):
            users.set_language(session, "somchai", "zh")
