from enum import StrEnum


class LabeledEnum(StrEnum):
    """A string enum whose members carry their Chinese label: `Gender.female.label == "女"`."""

    label: str

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def from_label(cls, label: str):
        for member in cls:
            if member.label == label:
                return member
        raise KeyError(label)

    @classmethod
    def choices(cls) -> list[dict[str, str]]:
        return [{"value": m.value, "label": m.label} for m in cls]
