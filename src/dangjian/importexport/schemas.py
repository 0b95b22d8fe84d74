from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dangjian.member.schemas import OrgRef


# Plain enums (not LabeledEnum): their labels reach the browser in each job's own answer
# (status_label), not through /dicts.
class ImportMode(StrEnum):
    preview = "preview"
    valid_only = "valid-only"
    all_or_nothing = "all-or-nothing"

    @property
    def label(self) -> str:
        return MODE_LABELS[self]


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    previewed = "previewed"
    done = "done"
    failed = "failed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


MODE_LABELS = {ImportMode.preview: "预览（不写入）", ImportMode.valid_only: "只导入无误的行",
               ImportMode.all_or_nothing: "全部无误才导入"}
STATUS_LABELS = {JobStatus.queued: "排队中", JobStatus.running: "正在处理", JobStatus.previewed: "已预览，待确认",
                 JobStatus.done: "已完成", JobStatus.failed: "失败"}


class RowIssue(BaseModel):
    row: int = Field(description="Excel 中的行号")
    column: str = Field(description="列名（文件中的写法）")
    reason: str


class PlannedRow(BaseModel):
    row: int
    name: str
    id_number: str = Field(description="公民身份号码（脱敏）")
    org: str | None = None
    fields: list[str] = Field(default_factory=list, description="将修改的项目（仅修改）")


class ColumnMatch(BaseModel):
    written: str = Field(description="文件中的列名")
    header: str = Field(description="对应的标准列名")


class ImportResult(BaseModel):
    """What an import found (preview) or did (write modes)."""

    mode: ImportMode
    written: bool = Field(description="是否已写入数据库")
    sheet: str
    header_row: int = Field(description="表头所在行号")
    columns: list[ColumnMatch]
    unknown_columns: list[str] = Field(description="无法识别、已忽略的列")
    missing_columns: list[str] = Field(description="新增党员必需但文件中没有的列")
    duplicate_columns: list[str] = Field(description="重复出现、已忽略的列")
    rows: int = Field(description="数据行数")
    creates: int = Field(description="新增党员（行数）")
    updates: int = Field(description="修改党员（行数）")
    unchanged: int = Field(description="与库中一致、无需修改（行数）")
    error_rows: int = Field(description="有错误的行数")
    created: int = Field(0, description="实际新增")
    updated: int = Field(0, description="实际修改")
    errors: list[RowIssue] = Field(description="错误（最多前100条）")
    create_samples: list[PlannedRow] = Field(description="新增党员示例（最多前20行）")
    update_samples: list[PlannedRow] = Field(description="修改党员示例（最多前20行）")
    seconds: float


class ImportJobRead(BaseModel):
    id: int
    status: JobStatus
    status_label: str
    mode: ImportMode
    mode_label: str
    filename: str
    size: int = Field(description="文件大小（字节）")
    org: OrgRef | None
    progress: int = Field(ge=0, le=100)
    stage: str | None = Field(None, description="当前步骤")
    created_at: datetime
    finished_at: datetime | None
    result: ImportResult | None
    error: str | None = Field(description="任务失败的原因")
    has_error_workbook: bool = Field(description="是否可下载错误行工作簿")


class ImportConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["valid-only", "all-or-nothing"] = Field(description="写入方式：只导入无误的行，或全部无误才导入")
