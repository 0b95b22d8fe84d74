"""The `dangjian` command line: everything an operator needs."""

import sys
import time
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from dangjian.errors import AppError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="基层党建管理平台 命令行工具")
console = Console()
err_console = Console(stderr=True)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


def _fail(error: AppError) -> None:
    err_console.print(f"[bold red]错误：[/]{error.detail}")
    raise typer.Exit(code=2)


def _parse_day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(AppError(f"{field}应为“年-月-日”格式的日期，例如 2025-12-31：{value}", field=field))
    return None


def _database():
    from dangjian.db import get_engine
    from dangjian.migrations import upgrade

    engine = get_engine()
    upgrade(engine)
    return engine


@app.command()
def openapi(out: Annotated[Path, typer.Option(help="输出文件")] = Path("var/openapi.json")) -> None:
    """导出 OpenAPI 接口说明（浏览器端据此生成类型）。"""
    import json

    from dangjian.app import create_app

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(create_app().openapi(), ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(f"已写入 {out}")


@app.command()
def migrate() -> None:
    """建立或升级数据库结构（Alembic 迁移）。"""
    engine = _database()
    console.print(f"数据库已是最新结构：{engine.url.render_as_string(hide_password=True)}")


@app.command("demo-data")
def demo_data(
    scale: Annotated[float, typer.Option(help="规模：1 为讲话中的衡阳市，0.01 用于快速测试，10 相当于一个省")] = 1.0,
    seed: Annotated[int, typer.Option(help="随机种子：相同种子生成完全相同的数据")] = 20251231,
    as_of: Annotated[str | None, typer.Option("--as-of", help="统计基准日期，默认 2025-12-31")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="清空已有数据后重新生成")] = False,
    meetings_until: Annotated[str | None, typer.Option("--meetings-until", help="组织生活记录截止日期（生成此前 12 个月的记录），默认今天")] = None,
) -> None:
    """生成演示城市（合成数据，不含真实个人信息）。"""
    from dangjian.db import bulk_session
    from dangjian.demo.generator import DEFAULT_AS_OF, generate

    day = _parse_day(as_of, "基准日期") or DEFAULT_AS_OF
    until = _parse_day(meetings_until, "组织生活记录截止日期")
    _database()
    started = time.perf_counter()
    try:
        # A line rather than a spinner, whose refresh thread would keep the generator to one process.
        console.print("正在生成演示城市……")
        with bulk_session() as session:
            counts = generate(session, scale=scale, seed=seed, as_of=day, replace=replace, meetings_until=until)
    except AppError as error:
        _fail(error)
    seconds = time.perf_counter() - started
    console.print(
        f"已生成演示城市（规模 {scale}，种子 {seed}，基准日期 {day.isoformat()}），用时 {seconds:.1f} 秒："
        f"党组织 {counts['organization']:,} 个，党员记录 {counts['member']:,} 条。"
    )
    demo_accounts()


@app.command("demo-accounts")
def demo_accounts() -> None:
    """创建（如尚未创建）并列出演示账号。"""
    from rich.table import Table

    from dangjian.db import session_scope
    from dangjian.demo.accounts import DEMO_PASSWORD, create_demo_accounts

    _database()
    try:
        with session_scope() as session:
            accounts = create_demo_accounts(session)
    except AppError as error:
        _fail(error)
    table = Table(title=f"演示账号（密码均为 {DEMO_PASSWORD}）", title_justify="left")
    for column in ("用户名", "角色", "名称", "数据范围"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.username, account.role.label, account.display_name, account.place)
    console.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="工作进程数")] = 1,
) -> None:
    """启动 Web 服务（API 在 /api/v1，接口文档在 /api/docs）。"""
    import uvicorn

    from dangjian.config import get_settings

    _database()
    get_settings().warm_reports = True
    console.print(f"基层党建管理平台：http://{host}:{port}/  接口文档：http://{host}:{port}/api/docs")
    uvicorn.run("dangjian.app:create_app", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_level="warning")


user_app = typer.Typer(help="账号管理", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _read_password(password: str | None) -> str:
    return password or typer.prompt("密码（至少10个字符）", hide_input=True, confirmation_prompt=True)


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="角色：city_admin / county_organizer / township_organizer / branch_secretary / member / inspector")],
    org: Annotated[str | None, typer.Option(help="所在党组织（编码、名称或编号）")] = None,
    member: Annotated[int | None, typer.Option(help="党员编号（党员账号）")] = None,
    area: Annotated[list[str] | None, typer.Option(help="所包乡镇或村的党组织（督查账号，可多次）")] = None,
    name: Annotated[str | None, typer.Option(help="显示名称")] = None,
    password: Annotated[str | None, typer.Option(help="密码；不填则提示输入")] = None,
) -> None:
    """创建账号。"""
    from dangjian.auth import service as auth_service
    from dangjian.auth.roles import Role
    from dangjian.db import session_scope
    from dangjian.org import service as org_service

    _database()
    try:
        role_value = Role(role)
    except ValueError:
        _fail(AppError(f"角色无效：{role}", field="role"))
    secret = _read_password(password)
    try:
        with session_scope() as session:
            org_id = org_service.resolve_org(session, org).id if org else None
            areas = [org_service.resolve_org(session, a).id for a in area or []]
            auth_service.create_user(session, username=username, password=secret, role=role_value, display_name=name,
                                     org_id=org_id, member_id=member, areas=areas, actor="cli")
    except AppError as error:
        _fail(error)
    console.print(f"已创建账号 {username}（{role_value.label}）")


@user_app.command("reset")
def user_reset(username: str, password: Annotated[str | None, typer.Option(help="新密码；不填则提示输入")] = None) -> None:
    """重置密码（并注销该账号的全部会话和令牌）。"""
    from dangjian.auth import service as auth_service
    from dangjian.db import session_scope

    _database()
    secret = _read_password(password)
    try:
        with session_scope() as session:
            auth_service.set_password(session, auth_service.get_user(session, username), secret, actor="cli")
    except AppError as error:
        _fail(error)
    console.print(f"已重置 {username} 的密码")


@user_app.command("disable")
def user_disable(username: str) -> None:
    """停用账号（并注销其全部会话和令牌）。"""
    from dangjian.auth import service as auth_service
    from dangjian.db import session_scope

    _database()
    try:
        with session_scope() as session:
            auth_service.disable_user(session, auth_service.get_user(session, username), actor="cli")
    except AppError as error:
        _fail(error)
    console.print(f"已停用账号 {username}")


@app.command()
def report(
    org: Annotated[str | None, typer.Option(help="党组织：编码、名称或编号；默认全市")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="统计日期，默认今天")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="输出格式")] = ReportFormat.table,
    out: Annotated[Path | None, typer.Option(help="输出文件（xlsx 必填；json 可选）")] = None,
    speech: Annotated[bool, typer.Option("--speech", help="附上与讲话数字的对照（演示城市）")] = False,
) -> None:
    """党员和党组织统计报表（按组织关系所在统计）。"""
    from dangjian.db import session_scope
    from dangjian.org import service as org_service
    from dangjian.stats import render
    from dangjian.stats.service import build_report

    day = _parse_day(as_of, "统计日期") or date.today()
    _database()
    try:
        with session_scope() as session:
            org_id = org_service.resolve_org(session, org).id if org else None
            data = build_report(session, org_id=org_id, as_of=day)
    except AppError as error:
        _fail(error)
    if format is ReportFormat.table:
        render.render_table(data, console)
        if speech:
            _print_speech_comparison(data)
    elif format is ReportFormat.json:
        text = render.report_json(data)
        if out:
            out.write_text(text, encoding="utf-8")
            console.print(f"已写入 {out}")
        else:
            sys.stdout.write(text + "\n")
    else:
        if out is None:
            _fail(AppError("xlsx 格式需要用 --out 指定输出文件", field="out"))
        render.write_xlsx(data, out)
        console.print(f"已写入 {out}")


@app.command("org-life")
def org_life(
    org: Annotated[str | None, typer.Option(help="党组织：编码、名称或编号；默认全市")] = None,
    start: Annotated[str | None, typer.Option(help="开始日期，默认结束日期所在年的1月1日")] = None,
    end: Annotated[str | None, typer.Option(help="结束日期，默认今天")] = None,
) -> None:
    """三会一课等组织生活开展情况：各下级党组织的正常、不规范、半瘫痪、瘫痪党支部数。"""
    from rich.table import Table

    from dangjian.auth.scope import Scope, ScopeKind
    from dangjian.db import session_scope
    from dangjian.meeting import compliance
    from dangjian.meeting import service as meeting_service
    from dangjian.meeting.codes import LifeStatus
    from dangjian.org import service as org_service

    _database()
    try:
        first, last = meeting_service.default_period(_parse_day(end, "结束日期"), _parse_day(start, "开始日期"), date.today())
        with session_scope(writes=False) as session:
            root = org_service.resolve_org(session, org) if org else org_service.root_org(session)
            lives = compliance.branch_lives(session, org_id=root.id, start=first, end=last)
            report = meeting_service.compliance_report(session, Scope(ScopeKind.city), root, lives, start=first, end=last)
    except AppError as error:
        _fail(error)
    table = Table(title=f"{report.org.name} 组织生活开展情况（{first.isoformat()} 至 {last.isoformat()}）", title_justify="left")
    for column in ("党组织", "党支部", *(s.label for s in LifeStatus), "正常占比", "参会率", "预警"):
        table.add_column(column, justify="left" if column == "党组织" else "right")
    colours = {"green": "green", "amber": "yellow", "red": "red"}
    for name, counts in [(c.org.name, c.counts) for c in report.children] + [("合计", report.counts)]:
        rate = "" if counts.attendance_rate is None else f"{counts.attendance_rate:.1f}%"
        table.add_row(name, f"{counts.total:,}", *(f"{getattr(counts, s.value):,}" for s in LifeStatus),
                      f"{counts.regular_share:.1f}%", rate, f"[{colours[counts.signal.value]}]{counts.signal.label}[/]")
    console.print(table)


def _print_speech_comparison(data: dict) -> None:
    from rich.table import Table

    from dangjian.demo.figures import compare_with_speech

    table = Table(title="与讲话数字对照（以数据为准）", title_justify="left")
    for column in ("项目", "讲话", "计算", "讲话占比", "计算占比", ""):
        table.add_column(column, justify="left" if column == "项目" else "right")
    for row in compare_with_speech(data):
        percent = lambda v: "" if v is None else f"{v:.1f}%"  # noqa: E731
        table.add_row(row["label"], f"{row['stated']:,}", f"{row['computed']:,}", percent(row["stated_share"]),
                      percent(row["computed_share"] if row["stated_share"] is not None else None),
                      "一致" if row["agrees"] else "[yellow]不一致[/]")
    console.print(table)


@app.command()
def check(
    org: Annotated[str | None, typer.Option(help="党组织：编码、名称或编号；默认全市")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="发现问题时以非零状态退出")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """数据质量检查：只报告问题，从不自动修改数据。"""
    from dangjian.db import session_scope
    from dangjian.org import service as org_service
    from dangjian.stats import checks

    _database()
    try:
        with session_scope() as session:
            org_id = org_service.resolve_org(session, org).id if org else None
            results = checks.run_checks(session, org_id=org_id, today=date.today())
    except AppError as error:
        _fail(error)
    if json_output:
        sys.stdout.write(checks.checks_json(results) + "\n")
    else:
        checks.render_checks(results, console)
    if strict and checks.has_problems(results):
        raise typer.Exit(code=1)


import_app = typer.Typer(help="从 Excel 导入", no_args_is_help=True)
app.add_typer(import_app, name="import")
export_app = typer.Typer(help="导出 Excel", no_args_is_help=True)
app.add_typer(export_app, name="export")


class ImportModeOption(StrEnum):
    preview = "preview"
    valid_only = "valid-only"
    all_or_nothing = "all-or-nothing"


ERRORS_PRINTED = 20


@import_app.command("members")
def import_members(
    file: Annotated[Path, typer.Argument(help="Excel 文件（.xlsx 或 .xls）", exists=True, dir_okay=False)],
    org: Annotated[str | None, typer.Option(help="导入到的党组织（编码、名称或编号，含下级）；默认全市")] = None,
    mode: Annotated[ImportModeOption, typer.Option(help="preview 只预览；valid-only 只导入无误的行；all-or-nothing 全部无误才导入")] = ImportModeOption.preview,
    errors: Annotated[Path | None, typer.Option(help="把错误行写入此 Excel 文件（改正后可重新导入）")] = None,
) -> None:
    """导入党员名册：先逐行检查（与接口相同的规则），再按方式写入；写入在一个事务中完成。"""
    from dangjian.auth.scope import Scope, ScopeKind
    from dangjian.db import session_scope
    from dangjian.importexport import service as import_service
    from dangjian.importexport.schemas import ImportMode
    from dangjian.org import service as org_service

    chosen = ImportMode(mode.value)
    _database()
    shown = {"percent": -10, "stage": ""}

    def progress(percent: int, stage: str) -> None:
        if percent - shown["percent"] >= 10 or (stage != shown["stage"] and not stage.startswith("写入")):
            err_console.print(f"进度 {percent}%：{stage}", highlight=False, soft_wrap=True)
            shown.update(percent=percent, stage=stage)

    try:
        with session_scope(writes=chosen is not ImportMode.preview) as session:
            target = org_service.resolve_org(session, org) if org else None
            result, plan = import_service.import_members(
                session, file, scope=Scope(ScopeKind.city), actor="cli", mode=chosen, target=target,
                progress=progress, filename=file.name)
            if errors is not None and plan.issues:
                import_service.write_error_workbook(plan, errors)
    except AppError as error:
        _fail(error)
    console.print(f"文件 {file.name}：工作表“{result.sheet}”，表头在第 {result.header_row} 行", highlight=False, soft_wrap=True)
    if result.unknown_columns:
        console.print(f"未识别的列（已忽略）：{'、'.join(result.unknown_columns)}", highlight=False, soft_wrap=True)
    if result.missing_columns:
        console.print(f"缺少的列（新增党员需要）：{'、'.join(result.missing_columns)}", highlight=False, soft_wrap=True)
    console.print(f"数据 {result.rows:,} 行：新增 {result.creates:,}，修改 {result.updates:,}，"
                  f"无变化 {result.unchanged:,}，有错误 {result.error_rows:,}", highlight=False, soft_wrap=True)
    if chosen is ImportMode.preview:
        console.print("预览：没有写入数据库。确认无误后用 --mode valid-only 或 --mode all-or-nothing 导入。", soft_wrap=True)
    elif result.written:
        console.print(f"已写入：新增 {result.created:,} 名，修改 {result.updated:,} 名"
                      + (f"；有错误的 {result.error_rows:,} 行未导入" if result.error_rows else ""), highlight=False, soft_wrap=True)
    else:
        console.print(f"有 {result.error_rows:,} 行错误，全部未写入（all-or-nothing）。", highlight=False, soft_wrap=True)
    if result.errors:
        console.print(f"错误（前 {min(ERRORS_PRINTED, len(result.errors))} 条）：")
        for issue in result.errors[:ERRORS_PRINTED]:
            console.print(f"  第 {issue.row} 行 {issue.column}：{issue.reason}", highlight=False, soft_wrap=True)
    if errors is not None and plan.issues:
        console.print(f"错误行已写入 {errors}，改正后可重新导入。", highlight=False, soft_wrap=True)
    if result.error_rows and chosen is not ImportMode.valid_only:
        raise typer.Exit(code=1)


@export_app.command("members")
def export_members(
    out: Annotated[Path, typer.Option(help="输出文件（.xlsx）")],
    org: Annotated[str | None, typer.Option(help="党组织（编码、名称或编号，含下级）；默认全市")] = None,
    columns: Annotated[str | None, typer.Option(help="导出列，逗号分隔，如 name,id_number,org；默认全部")] = None,
    full: Annotated[bool, typer.Option("--full", help="导出完整身份证号、电话和住址（记入审计）")] = False,
) -> None:
    """导出党员名册（Excel；默认脱敏；逐行写出，内存占用不随人数增长）。"""
    from dangjian.auth.scope import Scope, ScopeKind
    from dangjian.db import session_scope
    from dangjian.importexport import service as import_service
    from dangjian.org import service as org_service

    _database()
    started = time.perf_counter()
    try:
        with session_scope() as session:
            target = org_service.resolve_org(session, org) if org else org_service.root_org(session)
            keys = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
            count = import_service.export_members(session, out, scope=Scope(ScopeKind.city), org=target, actor="cli",
                                                  columns=keys, full=full)
    except AppError as error:
        _fail(error)
    console.print(f"已导出 {count:,} 名党员到 {out}（{time.perf_counter() - started:.1f} 秒）", highlight=False, soft_wrap=True)


@export_app.command("template")
def export_template(out: Annotated[Path, typer.Option(help="输出文件（.xlsx）")]) -> None:
    """导出党员名册导入模板（表头、示例行、下拉选项）。"""
    from dangjian.importexport import service as import_service

    import_service.write_template(out)
    console.print(f"已写入 {out}", highlight=False, soft_wrap=True)


if __name__ == "__main__":
    app()
