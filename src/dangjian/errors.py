class AppError(Exception):
    """An error shown to the user: `detail` is Chinese and names the field or row and the reason."""

    status = 400
    # True for errors whose request must still leave a trace (a failed login counts as a failure).
    keep_writes = False

    def __init__(self, detail: str, *, field: str | None = None, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if status is not None:
            self.status = status

    @property
    def error(self) -> str:
        return type(self).__name__


class ValidationFailed(AppError):
    status = 422


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    status = 409


class Forbidden(AppError):
    status = 403


# Chinese labels of request fields, for validation messages; modules add theirs.
FIELD_LABELS: dict[str, str] = {}
PYDANTIC_REASONS = {
    "missing": "不能为空",
    "date_parsing": "日期格式应为“年-月-日”，例如 2025-12-31",
    "date_from_datetime_parsing": "日期格式应为“年-月-日”，例如 2025-12-31",
    "date_type": "日期格式应为“年-月-日”，例如 2025-12-31",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "json_invalid": "请求内容不是有效的 JSON",
    "model_attributes_type": "格式不正确",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "extra_forbidden": "不是可以填写的字段",
}


def describe_validation(errors) -> tuple[str, str | None]:
    """A Chinese sentence for the first validation error, and the field it names."""
    if not errors:
        return "请求格式不正确", None
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header", "cookie")]
    field = loc[-1] if loc else None
    label = FIELD_LABELS.get(field or "", field or "请求")
    reason = PYDANTIC_REASONS.get(first.get("type", ""), "格式不正确")
    if first.get("type") == "enum" and first.get("ctx", {}).get("expected"):
        reason += f"，可选：{first['ctx']['expected']}"
    return f"{label}：{reason}", field
