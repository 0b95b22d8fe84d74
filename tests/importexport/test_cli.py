"""`dangjian import members` and `dangjian export members|template`, run as an operator would."""

import os
import subprocess
import sys
from datetime import date

import pytest

from dangjian.db import make_engine, session_scope
from dangjian.migrations import upgrade
from tests.importexport.workbooks import Tree, id_number, read_rows, write_workbook


@pytest.fixture(scope="module")
def dangjian(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-import")
    url = f"sqlite:///{folder / 'city.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        Tree(session)
    engine.dispose()
    env = {**os.environ, "DANGJIAN_DATABASE_URL": url}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dangjian.cli", *args], env=env, cwd=folder, capture_output=True,
                              text=True, timeout=120)

    return run


def test_import_preview_then_write_and_export(dangjian, tmp_path):
    rows = [["姓名", "身份证号", "学历", "人员类别", "入党日期", "所在党组织"],
            ["命令行甲", id_number(date(1971, 1, 1)), "本科", "工人", "2000-07-01", "和平村党支部"],
            ["命令行乙", "43042119710101", "本科", "工人", "2000-07-01", "和平村党支部"]]
    path = write_workbook(tmp_path / "cli.xlsx", rows)
    errors = tmp_path / "errors.xlsx"
    preview = dangjian("import", "members", str(path), "--org", "T430421", "--errors", str(errors))
    assert preview.returncode == 1, preview.stderr
    assert "数据 2 行：新增 1，修改 0，无变化 0，有错误 1" in preview.stdout
    assert "第 3 行 身份证号：公民身份号码应为18位（或15位旧号码），实际为14位" in preview.stdout
    assert "预览：没有写入数据库" in preview.stdout and "进度 100%" in preview.stderr
    assert read_rows(errors)[2][0] == "命令行乙"

    refused = dangjian("import", "members", str(path), "--mode", "all-or-nothing")
    assert refused.returncode == 1 and "全部未写入" in refused.stdout
    written = dangjian("import", "members", str(path), "--mode", "valid-only")
    assert written.returncode == 0 and "已写入：新增 1 名，修改 0 名；有错误的 1 行未导入" in written.stdout

    out = tmp_path / "out.xlsx"
    exported = dangjian("export", "members", "--org", "T-XIDU", "--columns", "name,id_number", "--out", str(out))
    assert exported.returncode == 0 and "已导出 1 名党员" in exported.stdout
    assert read_rows(out)[3][0] == "命令行甲" and "*" in read_rows(out)[3][1]
    template = tmp_path / "template.xlsx"
    assert dangjian("export", "template", "--out", str(template)).returncode == 0
    assert read_rows(template)[2][1] == "*姓名"
    missing = dangjian("import", "members", str(path), "--org", "不存在的党组织")
    assert missing.returncode == 2 and "党组织不存在" in missing.stderr
