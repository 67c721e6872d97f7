from pathlib import Path

import pytest

from logistics import paths
from logistics.settings import SettingsError, load_settings, mask_url_password, setting_fields

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme_with_its_variable():
    readme = README.read_text(encoding="utf-8")
    undocumented = [spec.name for spec in setting_fields()
                    if f"`{spec.name}`" not in readme or f"LOGISTICS_{spec.name.upper()}" not in readme]
    assert undocumented == []


def test_every_setting_has_a_help_line_and_a_default():
    load_settings(environ={})  # raises if settings.toml lacks one
    assert all(spec.metadata["help"].strip() for spec in setting_fields())


def test_environment_overrides_the_file_and_is_typed():
    settings = load_settings(environ={"LOGISTICS_PAGE_SIZE": "40",
                                      "LOGISTICS_SESSION_COOKIE_SECURE": "yes",
                                      "LOGISTICS_DATABASE_URL": "postgresql+psycopg://db/x"})
    assert settings.page_size == 40
    assert settings.session_cookie_secure is True
    assert settings.database_url == "postgresql+psycopg://db/x"


def test_an_operators_config_dir_overrides_the_defaults(tmp_path):
    (tmp_path / "settings.toml").write_text('display_timezone = "Asia/Shanghai"\n')
    settings = load_settings(environ={"LOGISTICS_CONFIG_DIR": str(tmp_path)})
    assert settings.display_timezone == "Asia/Shanghai"
    assert settings.mqtt_topic_prefix == "coldchain"


@pytest.mark.parametrize(("environ", "message"), [
    ({"LOGISTICS_PAGE_SIZE": "many"}, "page_size: expected int, got 'many'"),
    ({"LOGISTICS_SESSION_COOKIE_SECURE": "perhaps"}, "expected true or false"),
    ({"LOGISTICS_DISPLAY_TIMEZONE": "Mars/Olympus"}, "not an IANA time zone"),
    ({"LOGISTICS_LOG_LEVEL": "loud"}, "log_level: 'loud' is not one of DEBUG, INFO, WARNING, ERROR"),
    ({"LOGISTICS_FORECAST_SLOT_OFFSET_DAYS": "3651"}, "forecast_slot_offset_days: must be between -3,650"),
    ({"LOGISTICS_FORECAST_SLOTS": "-1"}, "forecast_slots: must be between 0 and 1,000"),
    ({"LOGISTICS_FORECAST_SLOTS": "1001"}, "forecast_slots: must be between 0 and 1,000"),
    ({"LOGISTICS_FORECAST_SLOT_ALERT_PROBABILITY": "0"}, "forecast_slot_alert_probability: must be more"),
    ({"LOGISTICS_FORECAST_SLOT_ALERT_PROBABILITY": "1.01"}, "forecast_slot_alert_probability: must be more"),
])
def test_bad_values_are_named(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ=environ)


def test_the_slot_settings_take_their_bounds():
    settings = load_settings(environ={"LOGISTICS_FORECAST_SLOT_OFFSET_DAYS": "-3650",
                                      "LOGISTICS_FORECAST_SLOTS": "0",
                                      "LOGISTICS_FORECAST_SLOT_ALERT_PROBABILITY": "1"})
    assert (settings.forecast_slot_offset_days, settings.forecast_slots,
            settings.forecast_slot_alert_probability) == (-3650, 0, 1.0)
    defaults = load_settings(environ={})
    assert (defaults.forecast_slot_offset_days, defaults.forecast_slots) == (7, 10)


def test_unknown_settings_in_a_file_are_refused(tmp_path):
    (tmp_path / "settings.toml").write_text('databse_url = "sqlite:///x.db"\n')
    with pytest.raises(SettingsError, match="unknown setting.*databse_url"):
        load_settings(environ={"LOGISTICS_CONFIG_DIR": str(tmp_path)})


def test_secrets_are_masked():
    settings = load_settings(environ={
        "LOGISTICS_SECRET_KEY": "s3cret",
        "LOGISTICS_MQTT_URL": "mqtt://ingest:hunter2@broker:1883",
        "LOGISTICS_DATABASE_URL": "postgresql+psycopg://app:pw@db/logistics",
    })
    shown = settings.masked()
    assert shown["secret_key"] == "********"
    assert shown["mqtt_url"] == "mqtt://ingest:********@broker:1883"
    assert shown["database_url"] == "postgresql+psycopg://app:********@db/logistics"
    assert "hunter2" not in repr(shown) and "s3cret" not in repr(shown)


def test_mask_leaves_urls_without_password_alone():
    assert mask_url_password("sqlite:///shipments.db") == "sqlite:///shipments.db"


def test_defaults_are_found_without_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.builtin_config_dir().joinpath("settings.toml").is_file()
    assert load_settings(environ={}).mqtt_topic_prefix == "coldchain"


def test_the_forecast_reaches_ten_years_and_100000_runs_and_no_further():
    settings = load_settings(environ={"LOGISTICS_FORECAST_HORIZON_DAYS": "3650",
                                      "LOGISTICS_FORECAST_RUNS": "100000"})
    assert (settings.forecast_horizon_days, settings.forecast_runs) == (3650, 100_000)
    horizon, runs = "between 1 and 3,650", "forecast_runs: must be between 100 and 100,000"
    for name, value, message in (("HORIZON_DAYS", "3651", f"forecast_horizon_days: must be {horizon}"),
                                 ("RUNS", "100001", runs), ("RUNS", "99", runs)):
        with pytest.raises(SettingsError, match=message):
            load_settings(environ={f"LOGISTICS_FORECAST_{name}": value})
