"""Where the project's own files live, found from the package, never from the working directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def data_root() -> Path:
    """Where relative SQLite paths point: the project root of a checkout, else the working directory."""
    return PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file() else Path.cwd()


def builtin_config_dir() -> Path:
    """The shipped defaults: `config/` in a checkout, or the copy bundled into a wheel."""
    checkout = PROJECT_ROOT / "config"
    if (checkout / "settings.toml").is_file():
        return checkout
    return PACKAGE_DIR / "_bundled_config"


def user_config_dir() -> Path | None:
    """An operator's own config directory (`LOGISTICS_CONFIG_DIR`), layered over the defaults."""
    value = os.environ.get("LOGISTICS_CONFIG_DIR")
    return Path(value).expanduser().resolve() if value else None


def config_file(name: str) -> Path:
    """The operator's copy of a config file if there is one, else the built-in default."""
    user_dir = user_config_dir()
    if user_dir is not None and (user_dir / name).is_file():
        return user_dir / name
    return builtin_config_dir() / name
