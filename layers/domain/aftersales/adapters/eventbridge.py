"""EventBridge publisher."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aftersales.adapters.aws import client
from aftersales.ports import EventPublisher

SOURCE = "aftersales.tickets"


class EventBridgePublisher(EventPublisher):
    def __init__(self, bus_name: str, source: str = SOURCE) -> None:
        self.bus_name = bus_name
        self.source = source
        self._events = client("events")

    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None:
        response = self._events.put_events(
            Entries=[
                {
                    "EventBusName": self.bus_name,
                    "Source": self.source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, default=str, ensure_ascii=False),
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge rejected {detail_type}: {response['Entries']}")
