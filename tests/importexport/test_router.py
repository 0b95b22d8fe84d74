"""/exports and /imports over HTTP against the demo city: the whole upload → preview → confirm →
error workbook flow, who sees which job, upload limits, masked and full exports."""

from datetime import date

import pytest
from sqlalchemy import func, select

from dangjian.audit.models import AuditEvent
from dangjian.auth import service as auth_service
from dangjian.importexport import router as import_router
from dangjian.importexport.engine import XLSX
from dangjian.kit import idcard
from dangjian.member.models import Member
from dangjian.org.codes import BRANCH_KINDS
from dangjian.org.models import Organization
from tests.importexport.workbooks import id_number, read_rows, write_workbook

V = "/api/v1"
ERROR_KEYS = {"error", "detail", "field"}


def branch_of(session, username: str) -> Organization:
    """A branch in the account's county (the county organizer's own)."""
    user = auth_service.get_user(session, username)
    root = session.get(Organization, user.org_id)
    return session.scalar(select(Organization).where(Organization.path.startswith(root.path),
                                                     Organization.kind.in_([k.value for k in BRANCH_KINDS]),
                                                     Organization.dissolved_on.is_(None)).order_by(Organization.id))


def roster_file(tmp_path, branch: Organization, *, bad: bool = True):
    rows = [["姓名", "身份证号", "学历", "人员类别", "入党日期", "所在党组织"],
            ["上传甲", id_number(date(1976, 4, 4), skip=700), "本科", "工人", "2001-07-01", branch.code],
            ["上传乙", id_number(date(1977, 4, 4), skip=700), "大专", "农民", "2002-07-01", branch.code]]
    if bad:
        rows.append(["上传丙", "123", "本科", "工人", "2003-07-01", branch.code])
    return write_workbook(tmp_path / "upload.xlsx", rows, title="上传测试名册")


def test_upload_preview_confirm_and_error_workbook(session, demo_city, client_for, tmp_path):
    county = client_for("county")
    branch = branch_of(session, "county")
    content = roster_file(tmp_path, branch).read_bytes()
    created = county.post(f"{V}/imports", params={"filename": "名册.xlsx"}, content=content, headers={"Content-Type": XLSX})
    assert created.status_code == 202, created.text
    job = created.json()
    # Tests run the job in the request's own transaction; on a server it runs in a thread.
    status = county.get(f"{V}/imports/{job['id']}").json()
    assert (status["status"], status["progress"], status["filename"], status["has_error_workbook"]) == ("previewed", 100, "名册.xlsx", True)
    result = status["result"]
    assert (result["rows"], result["creates"], result["error_rows"], result["written"]) == (3, 2, 1, False)
    assert result["errors"] == [{"row": 5, "column": "身份证号", "reason": "公民身份号码应为18位（或15位旧号码），实际为3位"}]
    assert session.scalar(select(func.count()).where(Member.name.in_(["上传甲", "上传乙"]))) == 0

    errors = county.get(f"{V}/imports/{job['id']}/errors.xlsx")
    assert errors.status_code == 200 and errors.headers["content-type"] == XLSX
    rows = read_rows(errors.content)
    assert rows[1][-3:] == ["行号", "列", "错误原因"] and rows[2][0] == "上传丙" and rows[2][-3] == 5.0

    # Someone else's job does not exist for them; the city admin sees every job.
    assert client_for("district").get(f"{V}/imports/{job['id']}").status_code == 404
    assert client_for("admin").get(f"{V}/imports/{job['id']}").status_code == 200

    confirmed = county.post(f"{V}/imports/{job['id']}/confirm", json={"mode": "valid-only"})
    assert confirmed.status_code == 202, confirmed.text
    done = county.get(f"{V}/imports/{job['id']}").json()
    assert done["status"] == "done" and (done["result"]["created"], done["result"]["written"]) == (2, True)
    assert {m.org_id for m in session.scalars(select(Member).where(Member.name.in_(["上传甲", "上传乙"])))} == {branch.id}
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.actor == "county", AuditEvent.action == "create",
                                                                             AuditEvent.entity == "member")) == 2
    again = county.post(f"{V}/imports/{job['id']}/confirm", json={"mode": "valid-only"})
    assert again.status_code == 409 and set(again.json()) == ERROR_KEYS


def test_all_or_nothing_upload_as_multipart(session, demo_city, client_for, tmp_path):
    county = client_for("county")
    branch = branch_of(session, "county")
    path = roster_file(tmp_path, branch)
    response = county.post(f"{V}/imports", files={"file": ("花名册.xlsx", path.read_bytes(), XLSX)},
                           data={"mode": "all-or-nothing"})
    assert response.status_code == 202, response.text
    job = county.get(f"{V}/imports/{response.json()['id']}").json()
    assert (job["status"], job["mode"], job["filename"], job["result"]["written"]) == ("done", "all-or-nothing", "花名册.xlsx", False)
    assert session.scalar(select(func.count()).where(Member.name.like("上传%"))) == 0


def test_an_upload_outside_the_scope_or_not_excel_is_refused(session, demo_city, client_for, tmp_path, monkeypatch):
    county = client_for("county")
    branch = branch_of(session, "district")  # another county's branch
    content = roster_file(tmp_path, branch, bad=False).read_bytes()
    outside = county.post(f"{V}/imports", params={"org_id": branch.id}, content=content, headers={"Content-Type": XLSX})
    assert outside.status_code == 404
    # Rows naming another county's branch are refused row by row, like a branch that does not exist.
    job = county.post(f"{V}/imports", content=content, headers={"Content-Type": XLSX}).json()
    result = county.get(f"{V}/imports/{job['id']}").json()["result"]
    assert result["creates"] == 0 and {e["reason"].split("：")[0] for e in result["errors"]} == {"党组织不存在或不在导入范围内"}

    text = county.post(f"{V}/imports", content=b"name,id\n", headers={"Content-Type": "text/csv"})
    assert text.status_code == 415 and "只能导入 Excel 文件" in text.json()["detail"] and set(text.json()) == ERROR_KEYS
    empty = county.post(f"{V}/imports", content=b"", headers={"Content-Type": XLSX})
    assert empty.status_code == 422 and empty.json()["field"] == "file"
    monkeypatch.setattr(import_router, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr(import_router, "MULTIPART_SLACK", 0)
    large = county.post(f"{V}/imports", content=content, headers={"Content-Type": XLSX})
    assert large.status_code == 413 and "文件过大" in large.json()["detail"]
    assert client_for("secretary").post(f"{V}/imports", content=content, headers={"Content-Type": XLSX}).status_code == 403

    broken = county.post(f"{V}/imports", content=b"PK\x03\x04broken", headers={"Content-Type": XLSX}).json()
    failed = county.get(f"{V}/imports/{broken['id']}").json()
    assert failed["status"] == "failed" and "无法读取" in failed["error"]


def test_exports_masked_by_default_full_only_with_reveal_and_audited(session, demo_city, client_for):
    county = client_for("county")
    user = auth_service.get_user(session, "county")
    county_org = session.get(Organization, user.org_id)
    response = county.get(f"{V}/exports/members.xlsx", params={"columns": "name,id_number,org_code"})
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    assert "attachment" in response.headers["content-disposition"]
    rows = read_rows(response.content)
    expected = session.execute(
        select(Member.name, Member.id_number, Organization.code).join(Organization, Organization.id == Member.org_id)
        .where(Organization.path.startswith(county_org.path), Member.status == "active")).all()
    inflow = session.scalar(select(func.count()).select_from(Member).join(Organization, Organization.id == Member.inflow_org_id)
                            .where(Organization.path.startswith(county_org.path), Member.status == "active",
                                   ~Member.org_id.in_(select(Organization.id).where(Organization.path.startswith(county_org.path)))))
    assert len(rows) - 3 == len(expected) + inflow
    exported = {(r[0], r[1]) for r in rows[3:]}
    assert {(name, idcard.mask(number)) for name, number, _code in expected} <= exported

    full = county.get(f"{V}/exports/members.xlsx", params={"columns": "name,id_number", "full": "true"})
    assert {(name, number) for name, number, _code in expected} <= {(r[0], r[1]) for r in read_rows(full.content)[3:]}
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "county", AuditEvent.entity == "member",
                                                              AuditEvent.action.in_(["export", "reveal"]))).all()
    assert sorted(actions) == ["export", "export", "reveal"]

    assert client_for("inspector").get(f"{V}/exports/members.xlsx").status_code == 403
    foreign = branch_of(session, "district")
    assert county.get(f"{V}/exports/members.xlsx", params={"org_id": foreign.id}).status_code == 404
    bad = county.get(f"{V}/exports/members.xlsx", params={"columns": "name,salary"})
    assert bad.status_code == 422 and bad.json()["field"] == "columns"
    template = county.get(f"{V}/exports/template.xlsx")
    assert template.status_code == 200 and read_rows(template.content)[0][0] == "党员信息导入模板"


@pytest.mark.parametrize("username", ["secretary", "member", "inspector"])
def test_roles_without_the_permissions_get_403(session, demo_city, client_for, username):
    client = client_for(username)
    assert client.get(f"{V}/exports/members.xlsx").status_code == 403
    assert client.get(f"{V}/exports/template.xlsx").status_code == 403
    assert client.get(f"{V}/imports/1").status_code == 403
