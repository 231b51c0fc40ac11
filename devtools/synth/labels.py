# ruff: noqa: E501 -- a data table of printed labels: one row per line reads best, CJK is wide
"""The synthetic reports' printed words: form rows, headers, place names and prose phrases.

Every Chinese string the generator prints lives here, as data (STYLE habit 8). Labels are the
ones real reports print (the seed 长春市 2012 for Jilin, the 平潭 pages for Fujian, the national
forms of 国办公开办函〔2019〕60号 and 〔2021〕30号); codes are the catalogue's.
"""

from __future__ import annotations

# ---- national form, table 三 ----------------------------------------------------------------

REQUEST_COLUMNS = (
    "natural_person",
    "business",
    "research",
    "social_welfare",
    "legal_service",
    "other_org",
    "total",
)
APPLICANTS = REQUEST_COLUMNS[:-1]
REQUESTS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
REQUESTS_HEAD = ("申请人情况", "自然人", "法人或其他组织", "总计")
REQUESTS_ORG_TYPES = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
RESULTS_GROUP = "三、本年度办理结果"
NEW_RECEIVED = ("一、本年新收政府信息公开申请数量", "requests.new_received")
CARRIED_OVER = ("二、上年结转政府信息公开申请数量", "requests.carried_over")
CARRIED_FORWARD = ("四、结转下年度继续办理", "requests.carried_forward")
COMPLETED = ("（七）总计", "requests.completed_total")
# (group heading or "", row label, code); a group heading spans its rows
OUTCOME_ROWS = (
    ("", "（一）予以公开", "requests.granted"),
    ("", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "requests.partially_granted"),
    ("（三）不予公开", "1.属于国家秘密", "requests.withheld_state_secret"),
    ("（三）不予公开", "2.其他法律行政法规禁止公开", "requests.withheld_prohibited_by_law"),
    ("（三）不予公开", "3.危及“三安全一稳定”", "requests.withheld_three_safeties"),
    ("（三）不予公开", "4.保护第三方合法权益", "requests.withheld_third_party"),
    ("（三）不予公开", "5.属于三类内部事务信息", "requests.withheld_internal_affairs"),
    ("（三）不予公开", "6.属于四类过程性信息", "requests.withheld_process_info"),
    ("（三）不予公开", "7.属于行政执法案卷", "requests.withheld_enforcement_files"),
    ("（三）不予公开", "8.属于行政查询事项", "requests.withheld_inquiry"),
    ("（四）无法提供", "1.本机关不掌握相关政府信息", "requests.unavailable_not_held"),
    ("（四）无法提供", "2.没有现成信息需要另行制作", "requests.unavailable_needs_creation"),
    ("（四）无法提供", "3.补正后申请内容仍不明确", "requests.unavailable_unclear"),
    ("（五）不予处理", "1.信访举报投诉类申请", "requests.not_processed_petition"),
    ("（五）不予处理", "2.重复申请", "requests.not_processed_duplicate"),
    ("（五）不予处理", "3.要求提供公开出版物", "requests.not_processed_publication"),
    ("（五）不予处理", "4.无正当理由大量反复申请", "requests.not_processed_excessive"),
    (
        "（五）不予处理",
        "5.要求行政机关确认或重新出具已获取信息",
        "requests.not_processed_confirmation",
    ),
)
OTHER_ONE_ROW = (("", "（六）其他处理", "requests.other"),)
OTHER_THREE_ROWS = (
    (
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "requests.other_overdue_correction",
    ),
    (
        "（六）其他处理",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "requests.other_overdue_fee",
    ),
    ("（六）其他处理", "3.其他", "requests.other_other"),
)
# relative weight of each outcome among completed requests (granted and not held dominate)
OUTCOME_WEIGHTS = {
    "requests.granted": 40,
    "requests.partially_granted": 8,
    "requests.withheld_state_secret": 0.3,
    "requests.withheld_prohibited_by_law": 0.6,
    "requests.withheld_three_safeties": 0.3,
    "requests.withheld_third_party": 1,
    "requests.withheld_internal_affairs": 1.5,
    "requests.withheld_process_info": 1.5,
    "requests.withheld_enforcement_files": 0.5,
    "requests.withheld_inquiry": 1.5,
    "requests.unavailable_not_held": 22,
    "requests.unavailable_needs_creation": 3,
    "requests.unavailable_unclear": 2,
    "requests.not_processed_petition": 4,
    "requests.not_processed_duplicate": 3,
    "requests.not_processed_publication": 0.5,
    "requests.not_processed_excessive": 0.5,
    "requests.not_processed_confirmation": 1,
    "requests.other": 6,
    "requests.other_overdue_correction": 3,
    "requests.other_overdue_fee": 0.3,
    "requests.other_other": 3,
}
# share of requests by applicant column
APPLICANT_WEIGHTS = (85, 9, 0.5, 0.5, 2, 3)

# ---- national form, table 四 ----------------------------------------------------------------

APPEAL_GROUPS = ("review", "litigation_direct", "litigation_after_review")
APPEAL_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")
APPEALS_HEAD = ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉")
APPEALS_OUTCOME_HEAD = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")

# ---- national form, table 二: (caption, measure headers, [(item label, item code)]) ---------

PROACTIVE_2021 = (
    (
        "第二十条第（一）项",
        (("本年制发件数", "issued"), ("本年废止件数", "repealed"), ("现行有效件数", "in_force")),
        (("规章", "rules"), ("行政规范性文件", "normative_docs")),
    ),
    ("第二十条第（五）项", (("本年处理决定数量", "decisions"),), (("行政许可", "licensing"),)),
    (
        "第二十条第（六）项",
        (("本年处理决定数量", "decisions"),),
        (("行政处罚", "penalty"), ("行政强制", "enforcement")),
    ),
    (
        "第二十条第（八）项",
        (("本年收费金额（单位：万元）", "amount_10k_yuan"),),
        (("行政事业性收费", "fees"),),
    ),
)
_PRIOR_CHANGE_DECISIONS = (
    ("上一年项目数量", "prior_year_count"),
    ("本年增/减", "change"),
    ("处理决定数量", "decisions"),
)
PROACTIVE_2019 = (
    (
        "第二十条第（一）项",
        (
            ("本年新制作数量", "made"),
            ("本年新公开数量", "published"),
            ("对外公开总数量", "total_published"),
        ),
        (("规章", "rules"), ("规范性文件", "normative_docs")),
    ),
    (
        "第二十条第（五）项",
        _PRIOR_CHANGE_DECISIONS,
        (("行政许可", "licensing"), ("其他对外管理服务事项", "other_services")),
    ),
    (
        "第二十条第（六）项",
        _PRIOR_CHANGE_DECISIONS,
        (("行政处罚", "penalty"), ("行政强制", "enforcement")),
    ),
    (
        "第二十条第（八）项",
        (("上一年项目数量", "prior_year_count"), ("本年增/减", "change")),
        (("行政事业性收费", "fees"),),
    ),
    (
        "第二十条第（九）项",
        (("采购项目数量", "projects"), ("采购总金额", "amount")),
        (("政府集中采购", "procurement"),),
    ),
)
PROACTIVE_HEADER = "信息内容"

# ---- Fujian provincial form ------------------------------------------------------------------

FUJIAN_TITLE = "政府信息公开情况统计表"
FUJIAN_HEAD = ("指标名称", "计量单位", "历年累计")
# (label as printed, unit, code): 2011-2013 (six channels, 否决公开) and 2014-2018 forms
FUJIAN_ROWS_2011 = (
    ("主动公开信息数", "条", "fujian.proactive.total"),
    ("其中：1、网站公开", "条", "fujian.proactive.website"),
    ("2、政府公报公开", "条", "fujian.proactive.gazette"),
    ("受理依申请公开信息总数", "条", "fujian.requests.received"),
    ("其中：1、当面申请数", "条", "fujian.requests.in_person"),
    ("2、传真申请数", "条", "fujian.requests.fax"),
    ("3、电子邮件申请数", "条", "fujian.requests.email"),
    ("4、网上申请数", "条", "fujian.requests.online"),
    ("5、信函申请数", "条", "fujian.requests.letter"),
    ("6、其它形式申请数", "条", "fujian.requests.other_channel"),
    ("对申请的答复总数", "条", "fujian.requests.answered"),
    ("其中：1、同意公开答复数", "条", "fujian.requests.granted"),
    ("2、同意部分公开答复数", "条", "fujian.requests.partially_granted"),
    ("3、否决公开答复数", "条", "fujian.requests.refused"),
    ("行政复议数", "件", "fujian.review.cases"),
    ("行政诉讼数", "件", "fujian.litigation.cases"),
    ("行政申诉、举报数", "件", "fujian.complaints.cases"),
)
FUJIAN_ROWS_2014 = (
    ("主动公开文件数", "条", "fujian.proactive.total"),
    ("其中：1.政府网站公开数", "条", "fujian.proactive.website"),
    ("2.政府公报公开数", "条", "fujian.proactive.gazette"),
    ("受理政府信息公开申请总数", "条", "fujian.requests.received"),
    ("其中：1.当面申请数", "条", "fujian.requests.in_person"),
    ("2.网上申请数", "条", "fujian.requests.online"),
    ("3.信函、传真申请数", "条", "fujian.requests.letter_or_fax"),
    ("对申请的答复总数", "条", "fujian.requests.answered"),
    ("其中：1.同意公开答复数", "条", "fujian.requests.granted"),
    ("2.同意部分公开答复数", "条", "fujian.requests.partially_granted"),
    ("3.不予公开答复数", "条", "fujian.requests.withheld"),
    ("4.其他类型答复数", "条", "fujian.requests.other_answer"),
    ("政府信息公开收费减免金额", "元", "fujian.fees.amount_yuan"),
    ("行政复议数", "件", "fujian.review.cases"),
    ("行政诉讼数", "件", "fujian.litigation.cases"),
    ("接受行政申诉、举报数", "件", "fujian.complaints.cases"),
)

# ---- Jilin provincial form (the seed's rows: section, group as printed, label, code) ---------

JILIN_NOTE = (
    "注：“发生数”为{y}年1月1日至{y}年12月31日期间发生的数量；带“*”的指标，市直部门不需填写。"
)
JILIN_ROWS = (
    ("一、基本情况", "人员配置", "从事信息公开工作人员数", "jilin.staff.total"),
    ("一、基本情况", "", "其中：1.专职人员数", "jilin.staff.full_time"),
    ("一、基本情况", "", "2.兼职人员数", "jilin.staff.part_time"),
    ("一、基本情况", "学习培训", "举办培训次数", "jilin.training.sessions"),
    ("一、基本情况", "", "参加培训人次数", "jilin.training.participants"),
    ("二、主动公开情况", "公开的数量", "公开信息总数", "jilin.proactive.by_level.total"),
    (
        "二、主动公开情况",
        "",
        "其中：1.本级公开信息数(市直部门含所属机构)",
        "jilin.proactive.by_level.own_level",
    ),
    (
        "二、主动公开情况",
        "",
        "2.县（市）\\区\\开发区公开信息数*",
        "jilin.proactive.by_level.county",
    ),
    ("二、主动公开情况", "", "3.乡（镇）公开信息数*", "jilin.proactive.by_level.township"),
    ("二、主动公开情况", "公开的内容", "公开信息总数", "jilin.proactive.by_content.total"),
    (
        "二、主动公开情况",
        "",
        "其中：1.规范性文件类信息数",
        "jilin.proactive.by_content.normative_docs",
    ),
    ("二、主动公开情况", "", "2.规划计划和完成情况类信息数", "jilin.proactive.by_content.plans"),
    (
        "二、主动公开情况",
        "",
        "3.与公众利益密切相关事项类（包括公共卫生、扶贫优抚、招考和教育收费、社会保障和劳动就业、"
        "土地征用等）信息数",
        "jilin.proactive.by_content.public_interest",
    ),
    (
        "二、主动公开情况",
        "",
        "4.公共资金使用和监督类信息数",
        "jilin.proactive.by_content.public_funds",
    ),
    (
        "二、主动公开情况",
        "",
        "5.机构调整和人员变动类信息数",
        "jilin.proactive.by_content.personnel",
    ),
    ("二、主动公开情况", "", "6.其他类信息数", "jilin.proactive.by_content.other"),
    (
        "二、主动公开情况",
        "公开的形式",
        "在信息公开专栏或信息公开网站发布信息数",
        "jilin.channels.website_items",
    ),
    ("二、主动公开情况", "", "信息公开专栏或信息公开网站点击次数", "jilin.channels.website_hits"),
    ("二、主动公开情况", "", "设立公共信息查阅点数", "jilin.reading_rooms.count"),
    (
        "二、主动公开情况",
        "",
        "其中：可进行电子信息查阅的查阅点数",
        "jilin.reading_rooms.electronic",
    ),
    ("二、主动公开情况", "", "公共信息查阅点汇集信息总数", "jilin.reading_rooms.items_total"),
    ("二、主动公开情况", "", "其中：1.电子信息数", "jilin.reading_rooms.items_electronic"),
    ("二、主动公开情况", "", "2.纸制信息数", "jilin.reading_rooms.items_paper"),
    ("二、主动公开情况", "", "公共信息查阅点接待公众查阅人次数", "jilin.reading_rooms.visitors"),
    ("二、主动公开情况", "", "到公共信息查阅点借阅文件数", "jilin.reading_rooms.documents_lent"),
    ("二、主动公开情况", "", "政府公报（政报）发放数*", "jilin.gazette.copies"),
    ("二、主动公开情况", "", "其他种类公报的名称和数量", "jilin.gazette.other"),
    ("二、主动公开情况", "", "新闻发布会召开次数", "jilin.press.conferences"),
    ("二、主动公开情况", "", "新闻发布会发布信息数", "jilin.press.items"),
    (
        "二、主动公开情况",
        "公开的\n及时性",
        "文件信息从生成到网上公开不超过20个工作日的数量",
        "jilin.timeliness.online_within_20d",
    ),
    ("二、主动公开情况", "", "超过20个工作日的数量", "jilin.timeliness.online_over_20d"),
    (
        "二、主动公开情况",
        "",
        "文件信息从生成到向公共查阅点报送不超过30个工作日的数量",
        "jilin.timeliness.reading_room_within_30d",
    ),
    ("二、主动公开情况", "", "超过30个工作日的数量", "jilin.timeliness.reading_room_over_30d"),
    ("三、依申请公开情况", "申请情况", "政府信息公开申请数", "jilin.requests.received"),
    ("三、依申请公开情况", "", "其中，1.网上申请数", "jilin.requests.online"),
    ("三、依申请公开情况", "", "2.当面申请数", "jilin.requests.in_person"),
    ("三、依申请公开情况", "", "3.信函申请数", "jilin.requests.letter"),
    ("三、依申请公开情况", "", "4.其他形式申请数", "jilin.requests.other_channel"),
    ("三、依申请公开情况", "申请处理\n情况", "对申请的答复数", "jilin.requests.answered"),
    ("三、依申请公开情况", "", "其中：1.同意公开答复数", "jilin.requests.granted"),
    ("三、依申请公开情况", "", "2.同意部分公开答复数", "jilin.requests.partially_granted"),
    ("三、依申请公开情况", "", "3.否决公开答复数", "jilin.requests.refused"),
    ("三、依申请公开情况", "", "  其中： ①信息不存在数", "jilin.requests.refused_not_exist"),
    ("三、依申请公开情况", "", "②申请内容不明数", "jilin.requests.refused_unclear"),
    ("三、依申请公开情况", "", "③涉密免予公开数", "jilin.requests.refused_secret"),
    ("三、依申请公开情况", "", "④其他原因数", "jilin.requests.refused_other"),
    (
        "四、行政复议和诉讼情况",
        "行政复议",
        "与信息公开事务相关的行政复议申请数",
        "jilin.review.applications",
    ),
    ("四、行政复议和诉讼情况", "", "其中：1.受理数", "jilin.review.accepted"),
    ("四、行政复议和诉讼情况", "", "其中：①办结数", "jilin.review.concluded"),
    ("四、行政复议和诉讼情况", "", "其中：Ⅰ维持行为数", "jilin.review.upheld"),
    ("四、行政复议和诉讼情况", "", "Ⅱ纠错数", "jilin.review.corrected"),
    (
        "四、行政复议和诉讼情况",
        "行政诉讼",
        "与信息公开事务相关的行政诉讼案件数",
        "jilin.litigation.cases",
    ),
    ("五、收费和减免情况", "收费", "与信息公开事务相关的收费金额", "jilin.fees.total"),
    (
        "五、收费和减免情况",
        "",
        "其中：1.依申请提供政府信息收取复印、递送等成本费用数",
        "jilin.fees.cost_recovery",
    ),
    ("五、收费和减免情况", "", "2.其他费用金额", "jilin.fees.other"),
)
JILIN_HEADER = "指标"

# ---- bodies ----------------------------------------------------------------------------------

PROVINCES = {
    "jilin": ("长春市", "吉林市", "四平市", "辽源市", "通化市", "白山市", "松原市", "白城市"),
    "fujian": ("福州市", "厦门市", "莆田市", "三明市", "泉州市", "漳州市", "南平市", "龙岩市", "宁德市"),
    "other": (
        "淮安市", "扬州市", "镇江市", "绍兴市", "湖州市", "芜湖市", "安庆市", "洛阳市", "开封市",
        "襄阳市", "宜昌市", "岳阳市", "常德市", "绵阳市", "南充市", "遵义市", "曲靖市", "天水市",
        "咸阳市", "宝鸡市", "赣州市", "九江市", "潍坊市", "烟台市", "保定市", "邯郸市", "大同市",
    ),
}  # fmt: skip
COUNTIES = (
    "城关区", "鼓楼区", "新城区", "开发区", "东湖区", "西湖区", "南山区", "北塔区", "清江区",
    "永安县", "长乐县", "安平县", "宁远县", "丰泽县", "清河县", "武宁县", "石门县", "平川县",
    "云台县", "青山县", "兴隆县", "东阳县", "西峰县", "南溪县", "北川县", "和平县", "太平县",
)  # fmt: skip
DEPARTMENTS = (
    "发展和改革委员会", "教育局", "公安局", "民政局", "财政局", "人力资源和社会保障局",
    "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局",
    "商务局", "文化和旅游局", "卫生健康委员会", "应急管理局", "市场监督管理局", "统计局",
    "医疗保障局", "林业局", "审计局", "司法局", "退役军人事务局", "行政审批局",
)  # fmt: skip
TOWNS = (
    "城关镇", "新安镇", "龙门镇", "桥头镇", "白沙镇", "石桥镇", "清水镇", "大坪乡", "高岭乡",
    "梅林乡", "长坑乡", "东街街道办事处", "西街街道办事处", "南门街道办事处", "北关街道办事处",
)  # fmt: skip
GOVERNMENT = "人民政府"

# ---- titles and prose ------------------------------------------------------------------------

TITLE_BODY_FIRST = "{body}{year}年政府信息公开工作年度报告"
TITLE_YEAR_FIRST = "{year}年度{body}政府信息公开工作年度报告"
PDF_TITLE_YEAR = "{year}年政府信息公开工作年度报告"
INTRO = (
    "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定编制。"
    "本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    "如对本报告有疑问，请与{body}办公室联系。"
)
FILLER = (
    "我们坚持以公开为常态、不公开为例外，推进决策、执行、管理、服务、结果公开。",
    "进一步规范政府信息公开工作流程，严格落实保密审查制度。",
    "持续加强政府网站和政务新媒体建设，及时发布权威信息，回应社会关切。",
    "组织开展政务公开业务培训，提升工作人员业务能力。",
    "认真做好政策解读工作，通过图表图解等形式增强解读效果。",
)
PROBLEMS = (
    "{year}年，我单位政府信息公开工作取得了一定成效，但也存在公开内容不够全面、"
    "政策解读形式不够丰富等问题。下一步，我们将进一步加强培训，完善工作机制。"
)
OTHER_MATTERS = "本年度未收取信息处理费。"
SECTIONS_NATIONAL = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
SECTIONS_PROVINCIAL = (
    "一、概述",
    "二、主动公开政府信息情况",
    "三、依申请公开政府信息情况",
    "四、行政复议、行政诉讼情况",
    "五、主要问题和改进措施",
)
JILIN_TABLE_TITLE = "{body}{year}年政府信息公开相关数据统计表"
