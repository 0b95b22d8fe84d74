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


def table(head: str, backends: list[str], rows: list[tuple[str, list[str], str]]) -> str:
    """A summary: `head`, then a row per (label, one cell per backend, note)."""
    label_width = max(len(label) for label, _, _ in rows)
    width = max(12, *(len(cell) for _, cells, _ in rows for cell in cells))
    lines = [head, "", " " * label_width + "  " + "  ".join(b.rjust(width) for b in backends)]
    for label, cells, note in rows:
        line = label.ljust(label_width) + "  " + "  ".join(c.rjust(width) for c in cells)
        lines.append(f"{line}   {note}".rstrip())
    return "\n".join(lines)
