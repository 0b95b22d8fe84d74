"""The command line, run as an operator would (a subprocess with its own database)."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from python_calamine import CalamineWorkbook


def command_line(folder):
    """`dangjian` as an operator runs it, on its own database in `folder`."""
    env = {**os.environ, "DANGJIAN_DATABASE_URL": f"sqlite:///{folder / 'city.db'}"}

    def dangjian(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dangjian.cli", *args], env=env, cwd=folder,
                              capture_output=True, text=True, input=input, timeout=120)

    return dangjian


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    dangjian = command_line(folder)
    result = dangjian("demo-data", "--scale", "0.01", "--seed", "2")
    assert result.returncode == 0, result.stderr
    dangjian.database = folder / "city.db"
    return dangjian


def test_demo_data_prints_counts_and_the_accounts(run):
    result = run("demo-accounts")
    assert result.returncode == 0
    assert "admin" in result.stdout and "Dangjian@2025" in result.stdout


def test_demo_data_replace_regenerates_the_city_and_its_accounts(tmp_path):
    dangjian = command_line(tmp_path)
    assert dangjian("demo-data", "--scale", "0.01", "--seed", "2").returncode == 0
    assert dangjian("user", "create", "helper", "--role", "county_organizer", "--org", "430421",
                    "--password", "Long-enough-9").returncode == 0
    result = dangjian("demo-data", "--scale", "0.01", "--seed", "3", "--replace")
    assert result.returncode == 0, result.stderr
    assert "secretary" in result.stdout
    with sqlite3.connect(tmp_path / "city.db") as db:
        users = {name for (name,) in db.execute("SELECT username FROM app_user")}
        (removed,) = db.execute("SELECT before FROM audit_event WHERE action = 'generate' ORDER BY id DESC").fetchone()
    assert "helper" not in users and {"admin", "secretary", "member", "inspector"} <= users
    assert "helper" in json.loads(removed)["accounts_removed"]


def test_report_as_json_and_xlsx(run, tmp_path):
    result = run("report", "--as-of", "2025-12-31", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["as_of"] == "2025-12-31" and report["members"]["total"] == 3327
    county = json.loads(run("report", "--org", "430421", "--as-of", "2025-12-31", "--format", "json").stdout)
    assert county["org"]["code"] == "430421" and 0 < county["members"]["total"] < 3327
    out = tmp_path / "report.xlsx"
    assert run("report", "--as-of", "2025-12-31", "--format", "xlsx", "--out", str(out)).returncode == 0
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert "中共衡阳市委员会" in str(rows[0][0])


def test_org_life_counts_every_branch_once(run):
    result = run("org-life", "--start", "2026-01-01")
    assert result.returncode == 0, result.stderr
    total_row = next(line for line in result.stdout.splitlines() if "合计" in line)
    numbers = [int(cell.strip().replace(",", "")) for cell in total_row.split("│")[2:7]]
    branches, *by_status = numbers
    assert branches > 0 and sum(by_status) == branches
    with sqlite3.connect(run.database) as db:
        existing = db.execute("select count(*) from organization where kind in ('branch', 'joint_branch') "
                              "and dissolved_on is null").fetchone()[0]
    assert branches == existing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("org-life", "--start", "2026-06-01", "--end", "2026-01-01"), "开始日期：不能晚于结束日期"),
        (("report", "--as-of", "2025-13-01"), "统计日期应为“年-月-日”格式的日期"),
        (("report", "--org", "不存在的组织"), "党组织不存在：不存在的组织"),
        (("report", "--format", "xlsx"), "xlsx 格式需要用 --out 指定输出文件"),
        (("demo-data", "--scale", "0.01"), "数据库中已有数据"),
        (("demo-data", "--scale", "50", "--replace"), "规模应在0.01到20之间"),
    ],
)
def test_bad_input_gets_a_chinese_error_and_exit_2(run, args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_check_reports_and_strict_fails_on_problems(run):
    with sqlite3.connect(run.database) as db:  # a number as a bulk load might have stored it
        db.execute("UPDATE member SET id_number = '430421198001011230' WHERE id = (SELECT min(id) FROM member)")
    result = run("check", "--strict", "--json")
    findings = {f["code"]: f for f in json.loads(result.stdout)}
    assert findings["invalid_id_number"]["count"] == 1
    assert "430421198001011230" not in result.stdout  # examples show the number masked
    assert result.returncode == 1
    assert run("check", "--json").returncode == 0  # without --strict it only reports


def test_user_create_reset_disable(run):
    created = run("user", "create", "organizer-x", "--role", "county_organizer", "--org", "430421", "--password", "Long-enough-9")
    assert created.returncode == 0, created.stderr
    weak = run("user", "create", "organizer-y", "--role", "county_organizer", "--org", "430421", "--password", "short")
    assert weak.returncode == 2 and "密码：至少10个字符" in weak.stderr
    bad_role = run("user", "create", "organizer-z", "--role", "emperor", "--password", "Long-enough-9")
    assert bad_role.returncode == 2 and "角色无效" in bad_role.stderr
    assert run("user", "reset", "organizer-x", "--password", "Another-long-1").returncode == 0
    assert run("user", "disable", "organizer-x").returncode == 0
    missing = run("user", "disable", "nobody-here")
    assert missing.returncode == 2 and "用户不存在" in missing.stderr
