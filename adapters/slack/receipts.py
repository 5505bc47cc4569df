"""Never applying one Slack delivery twice.

Slack sends a request again when it thinks the first attempt failed, marking the copy with
``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason`` (https://api.slack.com/apis/events-api#retries);
a replayed request looks the same. A slash command applied twice would finalise two questions,
so every delivery that changes something leaves a receipt (its ``trigger_id``) in the same
transaction as the change: `ReceiptUnitOfWork` writes it just before the commit, and a receipt
already there means the change was made before, so the transaction is rolled back and `Replayed`
raised instead. Deliveries that only look (``status``, ``help``) commit nothing and leave none:
answering them again is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from storage.group_commit import SharedTransaction
from storage.slack_tables import SlackDeliveries
from storage.unit_of_work import SqlUnitOfWork


class Replayed(Exception):
    """This delivery's change was already stored; nothing was done this time."""


@dataclass(frozen=True)
class Receipt:
    team_id: str
    delivery_id: str
    received_at: datetime
    retry: int = 0  # X-Slack-Retry-Num, 0 for a first delivery


class ReceiptUnitOfWork(SqlUnitOfWork):
    """A unit of work that records its delivery's receipt in the transaction it commits."""

    def __init__(
        self, engine: Engine, receipt: Receipt | None, *, read_only: bool = False, shared: SharedTransaction | None = None
    ) -> None:
        super().__init__(engine, read_only=read_only, shared=shared)
        self._receipt = receipt

    def commit(self) -> None:
        receipt = self._receipt
        if receipt is not None and not SlackDeliveries(self.session).record(receipt.team_id, receipt.delivery_id, receipt.received_at):
            raise Replayed(f"delivery {receipt.delivery_id} of {receipt.team_id} was already applied")
        super().commit()
