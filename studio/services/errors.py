"""Domain errors. Their messages are written for the creator: the UI shows them as they are."""


class StudioError(Exception):
    """Something the creator can fix; ``str(error)`` says what and how."""


class NotFound(StudioError):
    """Unknown id, or one that belongs to someone else (never say which)."""


class InvalidInput(StudioError):
    pass


class InsufficientCredits(StudioError):
    def __init__(self, price: int, balance: int, what: str = "this"):
        self.price, self.balance = price, balance
        super().__init__(
            f"{what} costs {price} credits but your balance is {balance}; "
            f"remove some items, pick a cheaper preset, or add {price - balance} credits"
        )


class QuotaExceeded(StudioError):
    def __init__(self, needed: int, left: int):
        self.needed, self.left = needed, left
        super().__init__(
            f"this batch needs {needed} poses but {left} are left in today's unlimited quota; "
            "submit fewer poses or wait for the quota to reset at midnight UTC"
        )


class Forbidden(StudioError):
    pass


class TooManyAtOnce(StudioError):
    """A per-creator rate limit (studio/services/limits.py); ``retry_after_s`` says when to try again."""

    def __init__(self, message: str, retry_after_s: int):
        self.retry_after_s = retry_after_s
        super().__init__(message)


class AccountFull(StudioError):
    """A per-creator quota of kept things (projects, poses, ...): delete some to make room."""
