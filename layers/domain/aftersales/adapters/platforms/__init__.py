"""Platform API clients (PlatformGateway implementations), looked up by channel."""

from __future__ import annotations

import importlib

from aftersales.ports import PlatformGateway

# channel -> "module:Class"; each platform module registers itself here with one line.
_GATEWAYS: dict[str, str] = {}
_GATEWAYS["douyin"] = "aftersales.adapters.platforms.douyin:DouyinGateway"
_GATEWAYS["wechat"] = "aftersales.adapters.platforms.wechat:WeChatGateway"
_GATEWAYS["wechat-shop"] = "aftersales.adapters.platforms.wechat:WeChatShopGateway"
_GATEWAYS["wecom"] = "aftersales.adapters.platforms.wecom:WeComGateway"


def gateway_for(channel: str, shop: str = "default") -> PlatformGateway | None:
    target = _GATEWAYS.get(channel)
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    module = importlib.import_module(module_name)
    gateway: PlatformGateway = getattr(module, class_name)(shop=shop)
    return gateway
