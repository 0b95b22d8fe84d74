"""Our report as flat figures, and the comparison with the baseline's."""

from typing import Any

SKIPPED = {"org", "as_of", "share"}


def flatten(report: dict[str, Any], prefix: str = "") -> dict[str, int]:
    """{"members": {"by_gender": {"male": {"count": 3, "share": 60.0}}}} -> {"members.by_gender.male": 3}."""
    flat: dict[str, int] = {}
    for key, value in report.items():
        if key in SKIPPED:
            continue
        name = prefix if key == "count" else f"{prefix}.{key}".lstrip(".")
        if isinstance(value, dict):
            flat |= flatten(value, name)
        else:
            flat[name] = int(value)
    return flat


def differences(ours: dict[str, int], theirs: dict[str, int]) -> list[str]:
    return [
        f"{key}: ours {ours.get(key, '-')} duckdb {theirs.get(key, '-')}"
        for key in sorted(ours.keys() | theirs.keys())
        if ours.get(key) != theirs.get(key)
    ]
