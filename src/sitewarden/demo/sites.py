"""The demo farm's catalogue: which customer hosts which site, and the ground truth for each.

Labels are the answer key for the demo and the integration tests. Several benign sites are deliberate
hard negatives (they mention scam words or carry login forms for good reasons) and several fraud sites are
deliberately hard positives (no obvious keywords, text in images, forms built by script, cloaking).
"""

from __future__ import annotations

from dataclasses import dataclass

from sitewarden.domain.models import FraudType

BENIGN = "benign"
FRAUD = "fraud"


@dataclass(frozen=True)
class DemoSite:
    host: str
    tenant: str
    tenant_name: str
    label: str
    fraud_type: str | None
    title: str
    note: str


_TENANTS = {
    "t1001": "杭州蓝山网络科技有限公司",
    "t1002": "吴明（个人开发者）",
    "t1003": "青禾农村商业银行股份有限公司",
    "t1004": "东江日报社",
    "t1005": "江南职业技术学院",
    "t2001": "深圳市速建云计算有限公司",
    "t2002": "张强",
    "t2003": "深圳市鑫达信息咨询有限公司",
    "t2004": "李娜",
}


def _site(host: str, tenant: str, fraud_type: FraudType | None, title: str, note: str) -> DemoSite:
    label = BENIGN if fraud_type is None else FRAUD
    value = None if fraud_type is None else fraud_type.value
    return DemoSite(host, tenant, _TENANTS[tenant], label, value, title, note)


_F = FraudType
SITES: tuple[DemoSite, ...] = (
    # --- t1001: a web agency's small-business customers (all honest) -------------------------------------
    _site("shop.lanshan-tea.cn", "t1001", None, "蓝山茶舍 · 明前龙井 | 杭州西湖产区直供",
          "Tea shop with member login, cart and 充值 gift cards; valid 浙ICP number."),
    _site("www.chengfeng-valve.cn", "t1001", None, "温州诚丰阀门制造有限公司 | 球阀 · 闸阀 · 蝶阀",
          "Industrial valve maker's company site; valid 浙ICP number."),
    _site("mail.chengfeng-valve.cn", "t1001", None, "诚丰阀门 企业邮箱",
          "A customer's own webmail login (password form on its own domain): hard negative."),
    _site("www.jiayuan-dental.cn", "t1001", None, "嘉园口腔门诊部 | 种植牙 · 正畸 · 儿童齿科",
          "Dental clinic with an appointment form asking name and phone; medical licence and ICP."),
    _site("www.meilin-flowers.com", "t1001", None, "美林花艺 · 同城鲜花速递",
          "Florist whose honest copy says 充值, 客服 and 退款 and whose login asks an SMS code."),
    # --- t1002: an independent developer ----------------------------------------------------------------
    _site("blog.wuming.me", "t1002", None, "Wu Ming's notes",
          "Personal tech blog in English and Chinese with a valid ICP number."),
    _site("www.tasklark.io", "t1002", None, "Tasklark · The calm task tracker for small teams",
          "SaaS marketing site with pricing; links to its sign-in page."),
    _site("app.tasklark.io", "t1002", None, "Sign in · Tasklark",
          "Small SaaS sign-in page on its own domain, English: hard negative for credential forms."),
    # --- t1003: a rural commercial bank ----------------------------------------------------------------
    _site("www.qinghe-rcb.com.cn", "t1003", None, "青禾农村商业银行",
          "A real (fictional) bank's home with its own online-banking login: hard negative for bank phishing."),
    _site("fanzha.qinghe-rcb.com.cn", "t1003", None, "青禾农商银行 · 反诈骗提示",
          "The bank's own anti-fraud advice quoting 安全账户, 刷单, 解冻费, 征信: hard negative."),
    # --- t1004: a newspaper ---------------------------------------------------------------------------
    _site("caipiao.dongjiang-daily.cn", "t1004", None, "东江日报 · 彩票开奖公告",
          "Legitimate lottery results (双色球, 大乐透, 福彩3D): hard negative for gambling."),
    _site("www.dongjiang-daily.cn", "t1004", None, "东江日报 · 东江网",
          "News portal; one story reports the 快递理赔 / meeting-app scam in police words."),
    _site("app.dongjiang-daily.cn", "t1004", None, "东江新闻客户端 下载",
          "A newspaper's own app page offering an APK beside store links: hard negative for APK lures."),
    # --- t1005: a college ------------------------------------------------------------------------------
    _site("cas.jnvtc.edu.cn", "t1005", None, "江南职业技术学院 统一身份认证",
          "University single sign-on with student number and password: hard negative."),
    _site("www.jnvtc.edu.cn", "t1005", None, "江南职业技术学院",
          "College home page linking to its SSO; notices mention 助学金 scams."),
    # --- t2001: a reseller; mostly honest customers, some abusive ones ------------------------------------
    _site("www.huirong-xd.com.cn", "t2001", None, "汇融小额贷款有限公司 | 小微企业与个体工商户经营贷款",
          "Licensed micro-lender with licence numbers, APR disclosure and 征信 wording: hard negative."),
    _site("blog.baihu-sec.cn", "t2001", None, "白虎安全实验室 · 一条“ETC 认证失效”钓鱼短信的完整链路分析",
          "Security blog quoting a full phishing SMS and a fake bank URL: hard negative."),
    _site("www.yunshang-jiaju.com", "t2001", _F.GAMBLING, "云上家居 · 实木家具定制 | 北美黑胡桃 · 工厂直营",
          "Cloaking: furniture shop for desktops and crawlers, a betting site for phones from a search engine."),
    _site("icbc-vip-service.cc", "t2001", _F.PHISHING, "中国工商银行 个人网上银行",
          "Second copy of the ICBC kit (same DOM, CSS and favicon) under another customer; no ICP at all."),
    # --- t2002: phishing kits ------------------------------------------------------------------------
    _site("icbc-ebank-verify.top", "t2002", _F.PHISHING, "中国工商银行 个人网上银行",
          "ICBC online-banking clone: / answers 302 to /login; card, password, ID and SMS-code fields."),
    _site("zfb-anquan-zhongxin.com", "t2002", _F.PHISHING, "账户安全中心",
          "Alipay clone whose login form is built by JavaScript; the static HTML has no form at all."),
    _site("paypal.account-limited-review.com", "t2002", _F.PHISHING, "Log in to your PayPal account",
          "PayPal clone, brand in a subdomain; / is a meta refresh to /signin, then card, DOB and SSN."),
    _site("appleid.apple.com-verify-id.online", "t2002", _F.PHISHING, "管理你的 Apple ID - Apple (中国大陆)",
          "Apple ID clone reached by a JavaScript location.replace; threatens iCloud deletion."),
    _site("go.dwz-jump.top", "t2002", _F.OTHER, "短网址跳转",
          "Short-link redirector whose 302 points at the cloud metadata address: exercises the SSRF guard."),
    # --- t2003: investment and gambling ---------------------------------------------------------------
    _site("hk-gold-invest.vip", "t2003", _F.INVESTMENT_SCAM, "香港金汇国际 · 贵金属交易平台",
          "Fake gold trading platform: 老师带单, 日化收益, 保本, 充值/提现 via 客服; malformed ICP."),
    _site("jinsha-yule888.com", "t2003", _F.GAMBLING, "JS888",
          "Image-heavy casino: the offers live in SVG banners, the HTML has almost no text."),
    _site("xingyun-pk10.com", "t2003", _F.GAMBLING, "幸运彩 · 北京赛车PK10 极速时时彩",
          "Illegal fast-lottery betting with 必中计划 and deposit cards from 客服; contrast with the results page."),
    _site("bitwex-global.com", "t2003", _F.INVESTMENT_SCAM, "BitWex · Smart Crypto Trading",
          "English crypto 'AI quant' with fixed daily returns and a 15% withdrawal 'verification deposit'."),
    _site("taskhub-rebate.com", "t2003", _F.ORDER_BOOSTING, "TaskHub 任务大厅 · 刷单返利 日结",
          "Blatant 刷单 返利 task hall: 充值, 连单, 卡单, 补单."),
    # --- t2004: telecom fraud ---------------------------------------------------------------------------
    _site("hao-dai365.com", "t2004", _F.LOAN_SCAM, "好贷365 · 无抵押秒到账",
          "Fake loan: 无视征信, 秒到账, then a 解冻费 to 'unfreeze' the loan; fake licence text."),
    _site("xinyong-zhouzhuan.cc", "t2004", _F.LOAN_SCAM, "信用周转 · 额度测评",
          "Loan scam without the usual words: 额度测评, 验资账户 deposit of 10%, 'do not contact your bank'."),
    _site("gaj-anjian-chaxun.top", "t2004", _F.IMPERSONATION_POLICE, "公安部 案件信息查询平台",
          "Police impersonation: 通缉令, 资金核查, transfer to a 安全账户; fake 京公网安备 and ICP."),
    _site("sf-express-redelivery.com", "t2004", _F.PARCEL_FEE, "顺丰速运 · 包裹派送异常",
          "SF Express lookalike asking a redelivery fee with full card details."),
    _site("ems-customs-fee.cc", "t2004", _F.PARCEL_FEE, "中国邮政 EMS · 国际包裹清关",
          "China Post/EMS lookalike demanding 补缴关税 with ID, card and SMS code; malformed 京ICP备 0000001 号."),
    _site("dhl-parcel-customs.top", "t2004", _F.PARCEL_FEE, "DHL Express | Shipment on hold",
          "English DHL customs-fee page; / answers 302 to /track?id=..."),
    _site("kuaidi-lipei-kefu.com", "t2004", _F.CUSTOMER_SERVICE_SCAM, "快递丢件理赔服务中心",
          "Fake parcel-loss compensation: 'download this meeting app', share the screen, open 备用金."),
    _site("tb-refund-kf.cc", "t2004", _F.CUSTOMER_SERVICE_SCAM, "淘宝退款客服中心",
          "Fake shop refund chat: 3x compensation via 备用金 and a screen-sharing meeting app."),
    _site("dz-jianzhi.vip", "t2004", _F.ORDER_BOOSTING, "点赞兼职 · 在家也能做的轻松活",
          "Task scam phrased without 刷单/返利: likes for 3 元, then 福利单 prepaid for 30% commission."),
    _site("guoshui-tuishui-app.com", "t2004", _F.MALWARE_DOWNLOAD, "个人所得税 · 退税专用版下载",
          "APK lure impersonating the tax app: enable unknown sources, grant SMS and accessibility."),
    _site("yunhuiyi-app.com", "t2004", _F.MALWARE_DOWNLOAD, "云会议 - 高清视频会议 免费下载",
          "The screen-sharing 'meeting app' the refund scams send victims to; APK and enterprise profile."),
)


def inventory_rows(port: int, ip: str = "127.0.0.1") -> list[dict[str, str]]:
    """The hosting inventory a provider would export: which customer hosts which URL on which IP."""
    return [
        {"tenant": s.tenant, "tenant_name": s.tenant_name, "url": f"http://{s.host}:{port}/", "ip": ip}
        for s in SITES
    ]
