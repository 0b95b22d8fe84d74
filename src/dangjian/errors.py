class AppError(Exception):
    """An error shown to the user: `detail` is Chinese and names the field or row and the reason."""

    status = 400

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
