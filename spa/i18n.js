/* UI strings: zh-CN by default, English on demand (remembered in localStorage). */
window.I18N = {
  "zh-CN": {
    title: "售后工单", status: "状态", all: "全部", refresh: "刷新", id: "工单号", channel: "渠道",
    category: "分类", priority: "优先级", created: "创建时间", empty: "暂无工单", more: "加载更多",
    thread: "对话", timeline: "时间线", correct: "更正分类", save: "保存", status_change: "变更状态",
    actions: "售后操作", reply: "回复", reply_placeholder: "回复客户…", return_address: "退货地址",
    agree_return: "同意退货", agree_refund: "同意退款", refuse: "拒绝", refuse_reason: "拒绝理由",
    customer: "客户", order: "订单", aftersale: "售后状态", team: "团队", assignee: "处理人",
    needs_review: "待人工复核", incomplete: "资料待补全", merged_from: "合并自", saved: "已保存",
    error: "出错了", lang_switch: "English", version: "版本",
    categories: {
      quality_defect: "商品质量", item_damaged: "商品破损", packaging_damaged: "包装破损",
      size_mismatch: "尺码/规格不符", wrong_or_missing_item: "错发漏发", logistics: "物流异常",
      refund: "退款问题", return_exchange: "退换货", repair_warranty: "维修保修", invoice: "发票",
      price_protection: "价保/优惠", payment: "支付", order_change: "订单修改/取消",
      service_complaint: "服务投诉", food_safety: "食品安全", other: "其他"
    }
  },
  en: {
    title: "After-sales tickets", status: "Status", all: "All", refresh: "Refresh", id: "Ticket", channel: "Channel",
    category: "Category", priority: "Priority", created: "Created", empty: "No tickets", more: "Load more",
    thread: "Conversation", timeline: "Timeline", correct: "Correct category", save: "Save",
    status_change: "Change status", actions: "After-sale actions", reply: "Reply",
    reply_placeholder: "Reply to the customer…", return_address: "Return address", agree_return: "Agree to return",
    agree_refund: "Agree to refund", refuse: "Refuse", refuse_reason: "Reason for refusal", customer: "Customer",
    order: "Order", aftersale: "After-sale status", team: "Team", assignee: "Assignee",
    needs_review: "Needs review", incomplete: "Details pending", merged_from: "Merged from", saved: "Saved",
    error: "Error", lang_switch: "中文", version: "Version",
    categories: {
      quality_defect: "Quality defect", item_damaged: "Item damaged", packaging_damaged: "Packaging damaged",
      size_mismatch: "Size/spec mismatch", wrong_or_missing_item: "Wrong or missing item", logistics: "Logistics",
      refund: "Refund", return_exchange: "Return/exchange", repair_warranty: "Repair/warranty", invoice: "Invoice",
      price_protection: "Price protection", payment: "Payment", order_change: "Order change",
      service_complaint: "Service complaint", food_safety: "Food safety", other: "Other"
    }
  }
};
