from datetime import date

import pytest

from dangjian.config import get_settings
from dangjian.stats import memo
from dangjian.stats.service import build_report
from tests.factories import make_member, make_org

DAY = date(2025, 12, 31)


@pytest.fixture
def memo_on(monkeypatch):
    monkeypatch.setattr(get_settings(), "report_memo", True)
    memo.forget()
    yield
    memo.forget()


def test_a_remembered_report_is_reused_until_a_write(session, memo_on):
    root = make_org(session)
    branch = make_org(session, root)
    make_member(session, branch)
    first = memo.report(session, org_id=root.id, as_of=DAY)
    assert first == build_report(session, org_id=root.id, as_of=DAY)
    assert memo.report(session, org_id=root.id, as_of=DAY) is first  # not computed again
    make_member(session, branch)  # a write, audited, so a new version of the data
    second = memo.report(session, org_id=root.id, as_of=DAY)
    assert second is not first
    assert second["members"]["total"] == first["members"]["total"] + 1
    assert memo.report(session, org_id=root.id, as_of=date(2024, 12, 31)) is not second  # another day


def test_children_are_remembered_the_same_way(session, memo_on):
    root = make_org(session)
    branch = make_org(session, root)
    make_member(session, branch)
    rows = memo.children(session, org_id=root.id, as_of=DAY)
    assert memo.children(session, org_id=root.id, as_of=DAY) is rows
    make_member(session, branch)
    assert memo.children(session, org_id=root.id, as_of=DAY)[0]["total"] == rows[0]["total"] + 1


def test_switched_off_it_computes_every_time(session, monkeypatch):
    monkeypatch.setattr(get_settings(), "report_memo", False)
    root = make_org(session)
    assert memo.report(session, org_id=root.id, as_of=DAY) is not memo.report(session, org_id=root.id, as_of=DAY)


def test_reads_and_sign_ins_do_not_invalidate(session, memo_on):
    from dangjian.audit import service as audit_service

    root = make_org(session)
    first = memo.report(session, org_id=root.id, as_of=DAY)
    for action in memo.READ_ACTIONS:
        audit_service.record(session, actor="t", action=action, entity="member", entity_id=1)
    session.flush()
    assert memo.report(session, org_id=root.id, as_of=DAY) is first
