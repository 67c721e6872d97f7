"""The dynamic security plugin's file: the shape Mosquitto 2.0.11 reads, and what it grants to whom."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from logistics.core.dynsec import IngestAccount, dynamic_security, dynamic_security_file
from logistics.core.mosquitto import hash_secret, verify_secret

INGEST = IngestAccount("ingest", hash_secret("ingest-secret"))


def mosquitto_ctrl() -> str:
    found = shutil.which("mosquitto_ctrl") or ("/usr/bin/mosquitto_ctrl"
                                               if os.access("/usr/bin/mosquitto_ctrl", os.X_OK) else None)
    if found is None:
        reason = "mosquitto_ctrl is not installed (apt-get install mosquitto-clients)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
        pytest.skip(reason)
    return found


def acls(config: dict, rolename: str) -> list[tuple[str, str]]:
    [role] = [role for role in config["roles"] if role["rolename"] == rolename]
    assert all(acl["allow"] is True for acl in role["acls"])
    return [(acl["acltype"], acl["topic"]) for acl in role["acls"]]


def test_a_client_written_by_mosquitto_ctrl_has_the_fields_and_derivation_we_write(tmp_path: Path) -> None:
    path = tmp_path / "dynamic-security.json"
    subprocess.run([mosquitto_ctrl(), "dynsec", "init", str(path), "admin", "from-the-real-tool"],
                   check=True, capture_output=True, timeout=30)
    [theirs] = json.loads(path.read_text())["clients"]
    stored = f"$7${theirs['iterations']}${theirs['salt']}${theirs['password']}"  # the same three fields
    assert verify_secret("from-the-real-tool", stored)

    ours = dynamic_security(loggers=[], ingest=IngestAccount("admin", stored))["clients"][0]

    assert {key: ours[key] for key in ("password", "salt", "iterations")} == {
        key: theirs[key] for key in ("password", "salt", "iterations")}
    assert set(ours) - {"clientid", "textDescription"} <= set(theirs)


def test_a_logger_is_bound_to_its_id_and_may_only_publish_under_it() -> None:
    stored = hash_secret("lg-secret")
    config = dynamic_security(loggers=[("LG-B", hash_secret("b")), ("LG-A", stored)], ingest=INGEST)

    by_user = {client["username"]: client for client in config["clients"]}
    assert list(by_user) == ["LG-A", "LG-B", "ingest"]
    logger = by_user["LG-A"]
    assert logger["clientid"] == "LG-A"
    assert verify_secret("lg-secret", f"$7${logger['iterations']}${logger['salt']}${logger['password']}")
    assert len(base64.b64decode(logger["salt"])) == 12 and len(base64.b64decode(logger["password"])) == 64
    assert logger["roles"] == [{"rolename": "logger:LG-A"}]
    assert acls(config, "logger:LG-A") == [("publishClientSend", "coldchain/loggers/LG-A/#")]


def test_the_ingest_reads_telemetry_and_status_plain_or_in_its_share_group_and_is_not_bound() -> None:
    config = dynamic_security(loggers=[], ingest=IngestAccount("tracker", hash_secret("s"), "workers"),
                              prefix="site-7/coldchain")

    [ingest] = config["clients"]
    assert ingest["username"] == "tracker" and "clientid" not in ingest  # each worker has its own id
    assert acls(config, "ingest") == [
        ("subscribeLiteral", "site-7/coldchain/loggers/+/telemetry"),
        ("subscribeLiteral", "site-7/coldchain/loggers/+/status"),
        ("subscribeLiteral", "$share/workers/site-7/coldchain/loggers/+/telemetry"),
        ("subscribeLiteral", "$share/workers/site-7/coldchain/loggers/+/status"),
        ("publishClientReceive", "site-7/coldchain/loggers/+/telemetry"),
        ("publishClientReceive", "site-7/coldchain/loggers/+/status"),
    ]


def test_whatever_no_role_grants_is_denied_except_unsubscribing() -> None:
    assert dynamic_security(loggers=[], ingest=INGEST)["defaultACLAccess"] == {
        "publishClientSend": False, "publishClientReceive": False, "subscribe": False, "unsubscribe": True}


def test_the_file_is_json_ending_in_a_newline() -> None:
    text = dynamic_security_file(loggers=[("LG-A", hash_secret("a"))], ingest=INGEST)

    assert text.endswith("}\n") and json.loads(text)["clients"][0]["username"] == "LG-A"


@pytest.mark.parametrize("logger_id", ["LG/1", "LG+1", "#", "$SYS", "LG 1", "LG\n1", "x", "ingest", "INGEST"])
def test_an_id_that_is_unsafe_or_the_ingests_is_refused(logger_id: str) -> None:
    with pytest.raises(ValueError, match="logger id"):
        dynamic_security(loggers=[(logger_id, hash_secret("s"))], ingest=INGEST)


def test_a_duplicate_logger_or_a_malformed_hash_is_refused() -> None:
    with pytest.raises(ValueError, match="'LG-A' appears twice"):
        dynamic_security(loggers=[("LG-A", hash_secret("a")), ("LG-A", hash_secret("b"))], ingest=INGEST)
    with pytest.raises(ValueError, match="'LG-A'"):
        dynamic_security(loggers=[("LG-A", "$7$101$x$y")], ingest=INGEST)


@pytest.mark.parametrize("group", ["a/b", "+", "#", "a b", "\n"])
def test_a_share_group_that_is_not_one_plain_level_is_refused(group: str) -> None:
    with pytest.raises(ValueError, match="shared group"):
        dynamic_security(loggers=[], ingest=IngestAccount("ingest", hash_secret("s"), group))
