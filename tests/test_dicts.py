"""/dicts: every enum of the server with its Chinese labels, so the browser never writes one twice."""

import re

import dangjian.app  # noqa: F401  (imports every module, hence every enum)
from dangjian.dicts import snake
from dangjian.kit.labeled import LabeledEnum
from dangjian.member.codes import EDUCATIONS, ETHNICITIES, EducationGroup

DICTS = "/api/v1/dicts"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def every_labeled_enum() -> list[type[LabeledEnum]]:
    found, pending = [], list(LabeledEnum.__subclasses__())
    while pending:
        enum = pending.pop()
        pending.extend(enum.__subclasses__())
        if enum.__module__.startswith("dangjian.") and list(enum):
            found.append(enum)
    return found


def test_every_enum_is_served_with_its_labels_in_order(client_for):
    response = client_for().get(DICTS)  # no sign-in needed: the login page shows labels too
    assert response.status_code == 200
    dicts = response.json()
    enums = every_labeled_enum()
    assert len(enums) >= 15 and {"Role", "OrgKind", "MemberStatus"} <= {e.__name__ for e in enums}
    for enum in enums:
        name = snake(enum.__name__)
        assert name in dicts, f"{enum.__module__}.{enum.__name__} is missing from /dicts"
        assert dicts[name] == [{"value": m.value, "label": m.label, "group": None} for m in enum], name
    assert set(dicts) == {snake(e.__name__) for e in enums} | {"ethnicity", "education"}


def test_no_label_is_missing_or_left_in_english(client_for):
    dicts = client_for().get(DICTS).json()
    for name, choices in dicts.items():
        assert choices, name
        values = [c["value"] for c in choices]
        assert len(values) == len(set(values)), f"{name} repeats a value"
        for choice in choices:
            assert choice["label"].strip() and CHINESE.search(choice["label"]), (name, choice)


def test_code_tables_are_complete(client_for):
    dicts = client_for().get(DICTS).json()
    ethnicity = {c["value"]: c["label"] for c in dicts["ethnicity"]}
    assert ethnicity == ETHNICITIES and len(ethnicity) == 56 and ethnicity["01"] == "汉族"
    education = {c["value"]: (c["label"], c["group"]) for c in dicts["education"]}
    assert education == {code: (label, group.value) for code, (label, group) in EDUCATIONS.items()}
    assert {group for _, group in education.values()} == {g.value for g in EducationGroup}
    assert snake("MemberEventKind") == "member_event_kind" and "member_event_kind" in dicts

