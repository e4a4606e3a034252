"""企业微信 / 微信客服, pure: echostr check, routing of kf notifications, cursor paging of sync_kf."""

from __future__ import annotations

from typing import Any

import pytest

from aftersales.adapters.cursor_store import InMemoryCursorStore
from aftersales.channels import wechat, wecom
from aftersales.channels.wechat import WeChatKeys, sha1_signature
from aftersales.errors import ConcurrentUpdate, SignatureInvalid, ValidationFailed
from aftersales.intake.message import IntakeMessage
from fakes import ListQueue

AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
KEYS = WeChatKeys("dev-token", AES, "wwdevcorpid")


def envelope(xml: str, keys: WeChatKeys = KEYS, token: str = "dev-token") -> tuple[bytes, dict[str, str]]:
    encrypted = wechat.encrypt(xml, keys)
    body = (
        f"<xml><ToUserName><![CDATA[wwdevcorpid]]></ToUserName><AgentID>1</AgentID>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    ).encode()
    return body, {"msg_signature": sha1_signature(token, "1", "n", encrypted), "timestamp": "1", "nonce": "n"}


KF_EVENT = (
    "<xml><ToUserName>wwdevcorpid</ToUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>"
    "<Event>kf_msg_or_event</Event><Token>tok-1</Token><OpenKfId>wk1</OpenKfId></xml>"
)


def test_echostr_is_verified_decrypted_and_answered_bare() -> None:
    echostr = wechat.encrypt("1616140317555161061", KEYS)
    query = {"msg_signature": sha1_signature("dev-token", "1", "n", echostr), "timestamp": "1", "nonce": "n"}
    assert wecom.verify_url({**query, "echostr": echostr}, KEYS) == "1616140317555161061"
    with pytest.raises(SignatureInvalid):
        wecom.verify_url({**query, "echostr": wechat.encrypt("other", KEYS)}, KEYS)
    foreign = wechat.encrypt("1", WeChatKeys("dev-token", AES, "wwother"))
    foreign_query = {"msg_signature": sha1_signature("dev-token", "1", "n", foreign), "timestamp": "1", "nonce": "n"}
    with pytest.raises(SignatureInvalid):
        wecom.verify_url({**foreign_query, "echostr": foreign}, KEYS)


def test_kf_notification_becomes_a_pull_job_not_a_ticket() -> None:
    intake, jobs = ListQueue(), ListQueue()
    body, query = envelope(KF_EVENT)
    assert wecom.accept(body, query, intake, jobs, keys=KEYS).kind == "kf_sync"
    assert intake.messages == []
    job = wecom.KfSyncJob.model_validate_json(jobs.messages[0][0])
    assert job.open_kfid == "wk1" and job.token == "tok-1"


def test_plain_mode_is_not_accepted_for_wecom() -> None:
    query = {"signature": sha1_signature("dev-token", "1", "n"), "timestamp": "1", "nonce": "n"}
    with pytest.raises(ValidationFailed):  # no Encrypt element
        wecom.accept(KF_EVENT.encode(), query, ListQueue(), ListQueue(), keys=KEYS)


def test_wrong_corpid_is_401_and_nothing_is_enqueued() -> None:
    intake, jobs = ListQueue(), ListQueue()
    body, query = envelope(KF_EVENT, keys=WeChatKeys("dev-token", AES, "wwother"))
    with pytest.raises(SignatureInvalid):
        wecom.accept(body, query, intake, jobs, keys=KEYS)
    assert intake.messages == jobs.messages == []


class FakeKf:
    """sync_msg over a list, cursor = index, like the simulator."""

    def __init__(self, items: list[dict[str, Any]], page: int = 2) -> None:
        self.items, self.page, self.calls = items, page, []  # type: ignore[var-annotated]

    def sync_msg(self, cursor: str | None, token: str | None, open_kfid: str, limit: int) -> dict[str, Any]:
        self.calls.append(cursor)
        start = int(cursor or 0)
        chunk = self.items[start : start + self.page]
        end = start + len(chunk)
        return {"errcode": 0, "msg_list": chunk, "next_cursor": str(end), "has_more": int(end < len(self.items))}


def kf_item(n: int, origin: int = 3, msgtype: str = "text") -> dict[str, Any]:
    item: dict[str, Any] = {
        "msgid": f"m{n}",
        "open_kfid": "wk1",
        "external_userid": "wm-cust",
        "send_time": 1795000000 + n,
        "origin": origin,
        "msgtype": msgtype,
    }
    item[msgtype] = {"content": f"第{n}条"} if msgtype == "text" else {"media_id": f"media{n}"}
    return item


def test_sync_pages_until_has_more_is_zero_and_keeps_the_cursor() -> None:
    api = FakeKf([kf_item(1), kf_item(2, origin=5), kf_item(3), kf_item(4, msgtype="image"), kf_item(5)])
    cursors, queue = InMemoryCursorStore(), ListQueue()
    result = wecom.sync_kf(wecom.KfSyncJob(open_kfid="wk1", token="t"), api, cursors, queue)
    assert (result.enqueued, result.skipped, result.pages) == (4, 1, 3)
    assert cursors.get("wecom-kf#wk1") == "5"
    messages = [IntakeMessage.model_validate_json(b) for b, _ in queue.messages]
    assert [m.external_id for m in messages] == ["m1", "m3", "m4", "m5"]
    assert messages[0].customer.id == "wm-cust" and messages[0].text == "第1条"
    assert messages[0].customer.platform_user_id == "kf:wk1:wm-cust" and messages[2].attachments
    assert [d for _, d in queue.messages] == ["wecom:m1", "wecom:m3", "wecom:m4", "wecom:m5"]
    # A second run continues from the stored cursor.
    api.items.append(kf_item(6))
    again = wecom.sync_kf(wecom.KfSyncJob(open_kfid="wk1"), api, cursors, queue)
    assert again.enqueued == 1 and api.calls[-1] == "5" and cursors.get("wecom-kf#wk1") == "6"


def test_cursor_store_refuses_to_move_a_cursor_someone_else_moved() -> None:
    store = InMemoryCursorStore()
    store.put("k", "1", expected=None)
    with pytest.raises(ConcurrentUpdate):
        store.put("k", "2", expected=None)
