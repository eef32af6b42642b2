"""Every text of the public pages, in Chinese (first, the default) and English.

Kept as one table so a test can check that every text has both languages, and so the
console's Babel catalogues (branch `console`) can take them over as message ids later:
the English text is what a catalogue would key them by.
"""

from domain.contact import CustomerLanguage

ZH, EN = CustomerLanguage.ZH, CustomerLanguage.EN

TEXTS: dict[str, dict[CustomerLanguage, str]] = {
    "site": {ZH: "顾客满意度评价", EN: "Customer satisfaction survey"},
    "title": {ZH: "您对投诉处理满意吗？", EN: "How did we handle your complaint?"},
    "intro": {
        ZH: "投诉编号 {case_no}。您的评价将帮助我们改进服务，评价只可提交一次。",
        EN: "Case {case_no}. Your answer helps us do better; it can be sent once.",
    },
    "rating_legend": {ZH: "请选择满意程度", EN: "Choose how satisfied you are"},
    "rating_5": {ZH: "5 非常满意", EN: "5 Very satisfied"},
    "rating_4": {ZH: "4 满意", EN: "4 Satisfied"},
    "rating_3": {ZH: "3 一般", EN: "3 Neither satisfied nor dissatisfied"},
    "rating_2": {ZH: "2 不满意", EN: "2 Dissatisfied"},
    "rating_1": {ZH: "1 非常不满意", EN: "1 Very dissatisfied"},
    "comment_label": {ZH: "意见或建议（选填）", EN: "Comments (optional)"},
    "comment_hint": {ZH: "最多 2000 字", EN: "Up to 2,000 characters"},
    "submit": {ZH: "提交评价", EN: "Send my answer"},
    "error_summary": {ZH: "请更正以下问题", EN: "There is a problem"},
    "error_rating": {ZH: "请选择 1 到 5 的满意程度", EN: "Choose how satisfied you are, 1 to 5"},
    "error_comment": {
        ZH: "意见或建议不能超过 2000 字",
        EN: "Comments must be 2,000 characters or fewer",
    },
    "thanks_title": {ZH: "感谢您的评价", EN: "Thank you for your answer"},
    "thanks_body": {
        ZH: "我们已记录您对投诉 {case_no} 的评价。",
        EN: "We have recorded your answer about case {case_no}.",
    },
    "used_title": {ZH: "此链接已使用", EN: "This link has been used"},
    "used_body": {
        ZH: "每个评价链接只能使用一次，您的评价已经提交。如需帮助，请联系我们的服务台。",
        EN: "Each survey link works once, and an answer has been sent with this one."
        " If you need help, please contact our service desk.",
    },
    "expired_title": {ZH: "此链接已过期", EN: "This link has expired"},
    "expired_body": {
        ZH: "评价链接的有效期已过。如需帮助，请联系我们的服务台。",
        EN: "The time to answer with this link is over. If you need help, please contact"
        " our service desk.",
    },
    "invalid_title": {ZH: "此链接无效", EN: "This link does not work"},
    "invalid_body": {
        ZH: "请检查链接是否完整，或直接联系我们的服务台。",
        EN: "Please check that the whole link was copied, or contact our service desk.",
    },
    "later_title": {ZH: "暂时无法记录您的评价", EN: "We cannot record your answer now"},
    "later_body": {
        ZH: "您的投诉仍在处理中，暂时不能评价。链接仍然有效，请稍后再试。",
        EN: "Your complaint is still being dealt with, so it cannot be rated yet. The link"
        " still works: please try again later.",
    },
}


def texts_for(language: CustomerLanguage) -> dict[str, str]:
    return {key: by_language[language] for key, by_language in TEXTS.items()}
