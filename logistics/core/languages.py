"""The languages the tracker's pages speak: locale code → the language's own name."""

LANGUAGES = {"en": "English", "th": "ไทย", "zh_CN": "简体中文"}
DEFAULT_LANGUAGE = "en"
