#!/usr/bin/env python3
"""Writes the default content bundle, assets/content/content.json.

The facts (13 towers in 3 grids, 70 Party branches of which 13 are tower
branches, 32 unions covering 192 companies, ...) come from the article in
shared/seed; the wording is the project's own. Everything the article does not
name -- tower names, branch names, companies, rooms, hours, phone numbers,
notice dates -- is SAMPLE DATA: names say 示例/Sample, phones use the
impossible local pattern 0571-0000-xxxx, and the bundle says "sample": true.
Run from the repository root:  python3 assets/tools/make_content.py
Deterministic output (no clock, no randomness).
"""
import json
import math
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "assets/content/content.json"
LETTERS = "ABCDEFGHIJKLM"


def T(zh, en=None):
    return {"zh": zh, "en": en} if en else {"zh": zh}


def phone(n):
    return "0571-0000-%04d" % n


# ---- towers: 13 in 3 service grids (5 + 4 + 4), positions on a local plane
grid_of = [1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]
pos = [(0, 0), (90, 10), (180, 0), (40, 110), (140, 120),
       (320, -20), (410, 0), (330, 100), (430, 110),
       (120, 260), (220, 250), (60, 360), (180, 370)]
floors = [24, 18, 30, 16, 22, 28, 20, 15, 26, 19, 23, 17, 21]
towers = []
for i in range(13):
    towers.append({
        "id": "t%02d" % (i + 1),
        "name": T("示例楼宇%s" % LETTERS[i], "Sample Tower %s" % LETTERS[i]),
        "short_name": T("%s座" % LETTERS[i], "Tower %s" % LETTERS[i]),
        "grid": grid_of[i],
        "x_m": float(pos[i][0]),
        "y_m": float(pos[i][1]),
        "floors": floors[i],
    })


def dist(a, b):
    (x1, y1), (x2, y2) = pos[a], pos[b]
    return math.hypot(x1 - x2, y1 - y2)


# walkways: every pair closer than 150 m, walked 1.2x the straight line
walkways = []
for a in range(13):
    for b in range(a + 1, 13):
        d = dist(a, b)
        if d <= 150 or (a, b) in ((2, 5), (4, 9), (1, 4)):
            walkways.append({"from": "t%02d" % (a + 1), "to": "t%02d" % (b + 1),
                             "metres": float(round(d * 1.2))})


def tower_id(i):
    return "t%02d" % (i % 13 + 1)


def place(i, floor=None, room=None, note=None):
    p = {"tower": tower_id(i)}
    if floor is not None:
        p["floor"] = floor
    if room is not None:
        p["room"] = room
    if note is not None:
        p["note"] = note
    return p


# ---- organisations
orgs = [
    {"id": "centre", "type": "service_centre",
     "name": T("商圈党员服务中心", "District Party members' service centre"),
     "place": place(0, 2, "201"), "hours": T("工作日 9:00–17:30（示例）", "Weekdays 9:00–17:30 (sample)"),
     "phone": phone(101)},
    {"id": "hub", "type": "service_centre",
     "name": T("党群服务中心", "Party and community service centre"),
     "place": place(0, 1, "108"), "hours": T("每天 8:30–20:00（示例）", "Daily 8:30–20:00 (sample)"),
     "phone": phone(102)},
    {"id": "bizcentre", "type": "service_centre",
     "name": T("楼宇企业综合服务中心", "Business service centre"),
     "place": place(2, 3, "305"), "hours": T("工作日 9:00–17:30（示例）", "Weekdays 9:00–17:30 (sample)"),
     "phone": phone(103)},
    {"id": "club", "type": "other",
     "name": T("黄龙商圈企业家俱乐部", "Huanglong entrepreneurs' club"),
     "place": place(5, 18, "1801"), "phone": phone(104)},
    {"id": "tongxinhui", "type": "tongxinhui",
     "name": T("同心荟", "Tongxinhui"),
     "place": place(1, 6, "602"), "hours": T("每周四下午（示例）", "Thursday afternoons (sample)")},
]
grid_names = ["一", "二", "三"]
for g in range(3):
    first = grid_of.index(g + 1)
    orgs.append({
        "id": "grid%d" % (g + 1), "type": "grid_station",
        "name": T("第%s服务网格 网格站" % grid_names[g], "Service grid %d station" % (g + 1)),
        "place": place(first, 1, "10%d" % (g + 2)),
        "hours": T("工作日 9:00–17:00（示例）", "Weekdays 9:00–17:00 (sample)"),
        "phone": phone(110 + g + 1)})
# 13 tower Party branches: one in every tower
for i in range(13):
    orgs.append({
        "id": "pb-t%02d" % (i + 1), "type": "tower_party_branch",
        "name": T("示例楼宇%s 联合党支部" % LETTERS[i], "Sample Tower %s joint Party branch" % LETTERS[i]),
        "place": place(i, 2 + i % 3, "2%02d" % (i + 1)),
        "phone": phone(200 + i + 1)})
# 57 more Party branches in companies (70 in all)
for k in range(57):
    orgs.append({
        "id": "pb-%02d" % (k + 1), "type": "party_branch",
        "name": T("示例企业党支部%02d" % (k + 1), "Sample company Party branch %02d" % (k + 1)),
        "place": place(k, 4 + k % 12)})
# 32 unions covering 192 companies: 6 each
for k in range(32):
    orgs.append({
        "id": "un-%02d" % (k + 1), "type": "union",
        "name": T("示例联合工会%02d" % (k + 1), "Sample joint trade union %02d" % (k + 1)),
        "place": place(k, 3 + k % 10), "companies": 6})
for k in range(38):
    orgs.append({
        "id": "yl-%02d" % (k + 1), "type": "youth_league",
        "name": T("示例团支部%02d" % (k + 1), "Sample Youth League branch %02d" % (k + 1)),
        "place": place(k, 5 + k % 9)})
for k in range(10):
    orgs.append({
        "id": "wc-t%02d" % (k + 1), "type": "womens_committee",
        "name": T("示例楼宇%s 妇委会" % LETTERS[k], "Sample Tower %s women's committee" % LETTERS[k]),
        "place": place(k, 2)})
for k in range(10):
    orgs.append({
        "id": "ng-%02d" % (k + 1), "type": "next_gen_enterprise",
        "name": T("示例企业关工委%02d" % (k + 1), "Sample company next-generation committee %02d" % (k + 1)),
        "place": place(k * 3, 6)})
for k in range(2):
    orgs.append({
        "id": "ng-t%02d" % (k + 1), "type": "next_gen_tower",
        "name": T("示例楼宇%s 关工委" % LETTERS[k], "Sample Tower %s next-generation committee" % LETTERS[k]),
        "place": place(k, 2)})

# ---- service categories (Material Icons names)
categories = [
    {"id": "party", "name": T("党群服务", "Party & community"), "icon": "flag", "order": 10},
    {"id": "errands", "name": T("政务办事", "Government errands"), "icon": "account_balance", "order": 20},
    {"id": "business", "name": T("惠企服务", "Business support"), "icon": "business_center", "order": 30},
    {"id": "legal", "name": T("法律与权益", "Legal & rights"), "icon": "gavel", "order": 40},
    {"id": "talent", "name": T("人才与招聘", "Talent & jobs"), "icon": "work", "order": 50},
    {"id": "learning", "name": T("学习成长", "Learning"), "icon": "school", "order": 60},
    {"id": "care", "name": T("关爱服务", "Care"), "icon": "child_care", "order": 70},
    {"id": "youth", "name": T("青年创新", "Youth innovation"), "icon": "lightbulb_outline", "order": 80},
    {"id": "platforms", "name": T("三大服务平台", "Three service platforms"), "icon": "location_city", "order": 90},
]


def svc(id, cat, name, summary, details, provider, org=None, where=None, hours=None, ph=None, tags=()):
    s = {"id": id, "category": cat, "name": name, "summary": summary, "details": details,
         "provider": provider}
    if org:
        s["provider_org"] = org
    if where:
        s["place"] = where
    if hours:
        s["hours"] = hours
    if ph:
        s["phone"] = ph
    if tags:
        s["tags"] = list(tags)
    return s


WEEKDAYS = T("工作日 9:00–17:30（示例）", "Weekdays 9:00–17:30 (sample)")
CENTRE = T("商圈党员服务中心", "District Party members' service centre")
BIZ = T("楼宇企业综合服务中心", "Business service centre")
HUB = T("党群服务中心", "Party and community service centre")

services = [
    svc("party-members", "party", T("党员服务", "Services for Party members"),
        T("组织关系、党费、学习活动，一站办理。", "Membership transfers, dues and study sessions in one place."),
        T("在楼里工作的党员可以在这里接转组织关系、交纳党费、报名参加学习活动。\n"
          "暂时不方便转组织关系的党员，也可以先在这里登记，参加就近支部的活动。",
          "Party members who work in the towers can transfer their membership, pay dues and sign up for "
          "study sessions here.\nMembers who cannot transfer yet can register and join the nearest branch's activities."),
        CENTRE, "centre", place(0, 2, "201"), WEEKDAYS, phone(101), ("党员", "组织关系", "党费")),
    svc("party-setup", "party", T("党组织组建指导", "Help setting up a Party branch"),
        T("有3名以上正式党员的企业可单独建支部，不足的可联合组建。",
          "Companies with 3 or more full members can form their own branch; smaller ones can join a joint branch."),
        T("成熟一个建一个：正式党员3名以上的企业单独建立党组织；不足3名的，按楼宇或相近行业联合建立。\n"
          "暂不具备条件的，可先建立工会、团支部、妇委会等群团组织。\n"
          "办公在商圈、组织关系不在商圈的企业，可加入党建共建联合会。",
          "Branches are set up when a company is ready: with 3 or more full members it forms its own; "
          "with fewer it joins a branch of its tower or trade.\nWhere that is not yet possible, a union, "
          "Youth League branch or women's committee can come first.\nCompanies whose Party ties are elsewhere "
          "can join the joint Party-building association."),
        CENTRE, "centre", place(0, 2, "201"), WEEKDAYS, phone(101), ("建支部", "联合党支部", "两个覆盖")),
    svc("mass-orgs", "party", T("工会、团支部与妇委会", "Unions, Youth League and women's committees"),
        T("32家工会覆盖192家企业，另有38个团支部、10个楼宇妇委会。",
          "32 unions cover 192 companies; there are also 38 Youth League branches and 10 tower women's committees."),
        T("商圈的群团组织已覆盖每一幢楼：工会32家（覆盖192家企业），团支部38个，楼宇妇委会10个，"
          "关工委12个（企业10个、楼宇2个）。想加入或成立组织，可到党群服务中心咨询。",
          "Community organisations reach every tower: 32 unions (covering 192 companies), 38 Youth League "
          "branches, 10 tower women's committees and 12 next-generation committees (10 in companies, 2 in towers). "
          "Ask at the Party and community service centre to join or start one."),
        HUB, "hub", place(0, 1, "108"), T("每天 8:30–20:00（示例）", "Daily 8:30–20:00 (sample)"), phone(102),
        ("工会", "团支部", "妇委会", "关工委")),
    svc("tongxinhui", "party", T("同心荟", "Tongxinhui"),
        T("商圈统一战线的交流平台。", "The district's meeting place for the united front."),
        T("同心荟定期组织交流和联谊活动，欢迎在商圈工作的各界人士参加。",
          "Tongxinhui holds regular exchanges and social events; everyone working in the district is welcome."),
        T("同心荟", "Tongxinhui"), "tongxinhui", place(1, 6, "602"),
        T("每周四下午（示例）", "Thursday afternoons (sample)"), None, ("统战", "联谊")),
    svc("grid-visits", "party", T("网格走访服务", "Grid visits"),
        T("13幢楼分成3个网格，每个网格有专人上门了解企业需求。",
          "The 13 towers form 3 grids, each with a named person who visits companies."),
        T("每个网格有一套走访对接、工作联系和问题反馈机制，企业有事有人管。\n"
          "到目前，网格已走访189家企业1100多次，协调解决企业需求348项。",
          "Each grid has one way of visiting companies, one way of keeping in touch and one way of reporting "
          "problems back, so every company knows who to ask.\nSo far the grids have visited 189 companies more "
          "than 1,100 times and resolved 348 requests."),
        T("三个服务网格站", "The three grid stations"), "grid1", None, WEEKDAYS, phone(111),
        ("网格", "走访", "三服务", "企业需求")),
    svc("errands", "errands", T("最多跑一次进楼宇", "Government errands in the building"),
        T("常办的政务事项在楼里就能办，基本不用出商圈。",
          "Common government errands can be done in the building, mostly without leaving the district."),
        T("企业和员工常办的事项在楼宇企业综合服务中心受理，材料齐全的争取只跑一次。\n"
          "不清楚要带什么材料，可以先打电话问。",
          "Frequent errands for companies and staff are taken in at the business service centre; with complete "
          "papers, one visit should be enough.\nNot sure what to bring? Call first."),
        BIZ, "bizcentre", place(2, 3, "305"), WEEKDAYS, phone(103), ("办事", "政务", "跑一次", "证照")),
    svc("subsidy", "errands", T("亲清在线 补助申领", "Qinqing Online subsidies"),
        T("企业补助在亲清在线平台申请、审核和发放。", "Company subsidies are applied for, checked and paid through Qinqing Online."),
        T("商圈通过亲清在线平台已向辖区企业发放各类补助资金1472万元。\n"
          "服务中心可以帮企业查询适用的政策、指导在线申请。",
          "Through the Qinqing Online platform, 14.72 million yuan in subsidies have been paid to companies in the "
          "district.\nThe service centre can help find the policies that apply and guide the online application."),
        BIZ, "bizcentre", place(2, 3, "305"), WEEKDAYS, phone(103), ("补助", "补贴", "政策", "亲清")),
    svc("nine-ones", "business", T("“九个一”服务包", "The “nine ones” service package"),
        T("助企复工的九项服务，从专员到问题解决机制。", "Nine services that helped companies reopen, from a named contact to a way to fix problems."),
        T("九项服务分别是：\n一位专属服务专员；\n一份防疫物资包；\n一揽子扶持政策；\n一个线上服务平台；\n"
          "一次防控应急演练；\n一套防疫体检；\n一套法律服务；\n一套服务保障；\n一个问题解决机制。",
          "The nine are:\none named service contact;\none pack of epidemic supplies;\none set of support policies;\n"
          "one online service platform;\none emergency drill;\none health check set;\none set of legal services;\n"
          "one service guarantee;\none way to get problems solved."),
        BIZ, "bizcentre", place(2, 3, "305"), WEEKDAYS, phone(103), ("九个一", "复工", "服务专员", "店小二")),
    svc("specialist", "business", T("企业服务专员", "Company service contact"),
        T("每家企业都能找到一位对接的服务专员。", "Every company has one person to call."),
        T("服务专员帮企业对接政策、协调问题、转达诉求，问题有人跟进到底。",
          "Your contact helps with policies, sorts out problems and passes requests on, and follows each one through."),
        BIZ, "bizcentre", place(2, 3, "305"), WEEKDAYS, phone(103), ("专员", "店小二", "对接")),
    svc("club", "business", T("企业家俱乐部", "Entrepreneurs' club"),
        T("企业负责人交流、合作、互助的圈子。", "A circle where company leaders meet, share and work together."),
        T("俱乐部以“在一起”为理念，举办线上轮值主席分享会和年会，大家一起学习、互助、协同发展。",
          "Under the idea of “together”, the club runs online sessions chaired by members in turn and an annual "
          "meeting for learning, mutual help and growing together."),
        T("黄龙商圈企业家俱乐部", "Huanglong entrepreneurs' club"), "club", place(5, 18, "1801"), None, phone(104),
        ("企业家", "俱乐部", "分享会", "年会")),
    svc("legal-aid", "legal", T("法律服务", "Legal services"),
        T("合同、劳动用工、知识产权等法律问题的咨询。", "Advice on contracts, employment, intellectual property and other legal questions."),
        T("律师定期驻楼，为企业和员工解答法律问题，必要时帮助对接进一步的法律服务。\n"
          "咨询免费，请提前预约。",
          "Lawyers come to the building regularly to answer questions from companies and staff and, where needed, "
          "point to further help.\nAdvice is free; please book ahead."),
        BIZ, "bizcentre", place(2, 3, "306"), T("每周二 14:00–17:00（示例）", "Tuesdays 14:00–17:00 (sample)"),
        phone(105), ("律师", "法律", "合同", "劳动", "咨询")),
    svc("problems", "legal", T("企业诉求协调", "Company requests and problems"),
        T("企业遇到的难题，由专人登记、协调、反馈。", "A named person logs, follows up and reports back on company problems."),
        T("企业可以在这台终端或服务中心提出诉求，服务中心协调相关部门处理，并把结果告诉企业。",
          "Companies can raise a request on this kiosk or at the service centre; the centre works with the "
          "right office and reports back."),
        BIZ, "bizcentre", place(2, 3, "305"), WEEKDAYS, phone(103), ("诉求", "问题", "协调", "反馈")),
    svc("talent-db", "talent", T("商圈人才信息库", "District talent database"),
        T("登记求职和招聘信息，帮企业和人才互相找到。", "Jobs and job seekers registered so that companies and people find each other."),
        T("企业可登记用人需求，个人可登记求职意向，服务中心定期匹配推荐。",
          "Companies register openings and people register what they look for; the centre matches them regularly."),
        HUB, "hub", place(0, 1, "108"), WEEKDAYS, phone(102), ("人才", "求职", "简历")),
    svc("job-fairs", "talent", T("商圈专场招聘会", "District job fairs"),
        T("面向楼宇企业的专场招聘，日期见通知公告。", "Job fairs for the towers' companies; dates are in the notices."),
        T("招聘会在商圈内举办，企业可报名摆摊，求职者现场投递简历。",
          "Fairs are held in the district; companies can book a stand and visitors hand in CVs on the spot."),
        HUB, "hub", place(0, 1, "108"), None, phone(102), ("招聘", "招聘会", "求职", "工作")),
    svc("forum", "learning", T("黄龙论坛", "Huanglong Forum"),
        T("邀请各界嘉宾的高端讲座。", "Talks by invited speakers from many fields."),
        T("论坛帮助商圈从业者开阔眼界、提升能力，讲座安排见通知公告。",
          "The forum helps people working in the district widen their view and skills; talks are listed in the notices."),
        CENTRE, "centre", place(0, 2, None, T("多功能厅", "multi-purpose hall")), None, phone(101), ("讲座", "论坛")),
    svc("study-society", "learning", T("黄龙学社", "Huanglong Study Society"),
        T("系列学习讲座与读书交流。", "Series of study talks and reading groups."),
        T("学社定期举办专题讲座和读书会，报名后可参加。",
          "The society holds regular topic talks and reading groups; sign up to join."),
        CENTRE, "centre", place(0, 2, "203"), None, phone(101), ("学习", "读书", "讲座")),
    svc("training", "learning", T("拓展训练", "Outward-bound training"),
        T("增强团队协作的户外拓展活动。", "Outdoor team-building activities."),
        T("面向楼宇员工组织拓展训练，企业可以整队报名。",
          "Outdoor training for staff of the towers; companies can sign up as a team."),
        HUB, "hub", None, None, phone(102), ("团建", "拓展", "户外")),
    svc("self-study", "learning", T("自修课堂", "Self-study classes"),
        T("下班后的学习课堂。", "Classes after work."),
        T("自修课堂提供安静的学习空间和小班课程，帮助大家下班后继续充电。",
          "A quiet place to study and small classes to keep learning after work."),
        HUB, "hub", place(0, 1, "110"), T("工作日 18:30–21:00（示例）", "Weekdays 18:30–21:00 (sample)"), phone(102),
        ("学习", "课堂", "自习")),
    svc("nursing", "care", T("妈咪小屋", "Nursing rooms"),
        T("供哺乳期妈妈使用的私密小屋，设在多幢楼内。", "Private rooms for nursing mothers in several towers."),
        T("小屋设在多幢楼内，配有沙发、冰箱、洗手池等；具体位置可向楼宇服务台询问。",
          "Rooms in several towers with a sofa, a fridge and a sink; ask at your tower's front desk where."),
        HUB, "hub", None, T("每天 8:00–20:00（示例）", "Daily 8:00–20:00 (sample)"), None,
        ("哺乳", "母婴", "妈妈", "小屋")),
    svc("ten-minutes", "care", T("十分钟服务圈", "Ten-minute service circle"),
        T("从任何一幢楼出发，十分钟内走到党建和企业服务点。", "From any tower, Party and business service points are a ten-minute walk away."),
        T("地图页面会告诉你最近的党支部、服务中心和妈咪小屋怎么走。",
          "The map shows the way to the nearest Party branch, service centre and nursing room."),
        HUB, "hub", None, None, None, ("地图", "附近", "十分钟")),
    svc("huikeba", "youth", T("青年慧客吧", "Youth Huikeba"),
        T("青年交流和创新创业的空间。", "A space for young people to meet and start things."),
        T("慧客吧为青年提供交流、路演和创业辅导的场地与机会。",
          "Huikeba gives young people room and chances to meet, pitch and get start-up advice."),
        T("团支部联合会（示例）", "Youth League branches (sample)"), None, place(3, 5, "501"), None, None,
        ("青年", "创业", "路演")),
    svc("idea-alliance", "youth", T("创想联盟", "Ideas Alliance"),
        T("青年创新项目的互助联盟。", "A mutual-help alliance for young people's projects."),
        T("联盟把有想法的青年和愿意帮忙的企业连接起来，共同推进创新项目。",
          "The alliance connects young people with ideas and companies willing to help."),
        T("团支部联合会（示例）", "Youth League branches (sample)"), None, place(3, 5, "502"), None, None,
        ("青年", "创新", "项目")),
    svc("facilities", "platforms", T("硬件服务平台", "Facilities platform"),
        T("会议室、活动场地等共享设施的预约与报修。", "Booking shared rooms and venues, and reporting repairs."),
        T("商圈的会议室、活动室等设施统一开放预约；楼宇公共设施有问题也可以在这里报修。",
          "Meeting and activity rooms across the district can be booked here; problems with shared facilities can be reported."),
        BIZ, "bizcentre", place(2, 3, "305"), WEEKDAYS, phone(103), ("会议室", "场地", "报修", "设施")),
    svc("visits", "platforms", T("走访服务平台", "Visits platform"),
        T("服务人员定期上门，听取企业意见。", "Service staff visit companies regularly to hear what they need."),
        T("走访由三个网格分片负责，企业也可以主动预约上门。",
          "Visits are shared among the three grids; companies can also ask for a visit."),
        T("三个服务网格站", "The three grid stations"), "grid2", None, WEEKDAYS, phone(112), ("走访", "上门")),
    svc("investment", "platforms", T("招商服务平台", "Investment platform"),
        T("为新入驻企业提供选址、政策和落地服务。", "Helps new companies with space, policies and settling in."),
        T("想入驻黄龙的企业，可以在这里了解空置楼层、扶持政策和落地流程。",
          "Companies thinking of moving in can learn about free floors, support policies and the steps to settle."),
        BIZ, "bizcentre", place(2, 3, "307"), WEEKDAYS, phone(106), ("招商", "入驻", "选址")),
]

# ---- nursing rooms (sample locations)
nursing_rooms = []
for k, ti in enumerate([0, 2, 5, 9]):
    nursing_rooms.append({
        "id": "mr-%02d" % (k + 1),
        "name": T("妈咪小屋（示例楼宇%s）" % LETTERS[ti], "Nursing room (Sample Tower %s)" % LETTERS[ti]),
        "place": place(ti, 2 + k, "2%02d" % (k + 10)),
        "amenities": [T("沙发", "Sofa"), T("冰箱", "Fridge"), T("洗手池", "Sink"), T("可上锁", "Lockable door")],
        "hours": T("每天 8:00–20:00（示例）", "Daily 8:00–20:00 (sample)"),
        "capacity": 1 if k % 2 else 2,
        # issue 13: one booking per 30-minute slot, hours per weekday (sample)
        "booking": {
            "slot_min": 30, "days_ahead": 7, "max_per_phone_day": 2,
            "checkin_before_min": 10, "checkin_after_min": 10, "release_after_min": 10,
            "week": {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
            | {"sat": [["09:00", "12:00"], ["13:00", "17:00"]],
               "sun": [] if k % 2 else [["09:00", "17:00"]]},
            # New Year's Day closed, New Year's Eve closes early (sample)
            "exceptions": [
                {"date": "2027-01-01", "closed": True},
                {"date": "2026-12-31", "hours": [["08:00", "16:00"]]},
            ],
        },
    })

# ---- companies (sample; 4 per tower)
companies = []
for i in range(13):
    for j in range(4):
        companies.append({
            "id": "c-%s%d" % (LETTERS[i].lower(), j + 1),
            "name": T("示例公司%s-%d" % (LETTERS[i], j + 1), "Sample Company %s-%d" % (LETTERS[i], j + 1)),
            "tower": tower_id(i),
        })

request_categories = [
    {"id": "errand", "name": T("办事咨询", "Errands"), "org": "bizcentre"},
    {"id": "legal", "name": T("法律咨询", "Legal question"), "org": "bizcentre"},
    {"id": "policy", "name": T("政策与补助", "Policies and subsidies"), "org": "bizcentre"},
    {"id": "party", "name": T("党员与组织关系", "Party membership"), "org": "centre"},
    {"id": "facility", "name": T("设施报修", "Facility repair"), "org": "bizcentre"},
    {"id": "talent", "name": T("招聘与人才", "Hiring and talent"), "org": "hub"},
    {"id": "other", "name": T("其他", "Other"), "org": "hub"},
]

quick_phrases = [
    T("想咨询办理流程", "I'd like to know the steps"),
    T("需要上门服务", "Please visit us"),
    T("请尽快回电", "Please call back soon"),
    T("想了解扶持政策", "I'd like to know about support policies"),
    T("公共设施需要维修", "Shared facilities need repair"),
    T("想预约会议室", "I'd like to book a meeting room"),
    T("想报名参加活动", "I'd like to sign up for an event"),
    T("想招聘员工", "We want to hire staff"),
]

notices = [
    {"id": "n-sample", "title": T("本终端内容为示例数据", "This kiosk shows sample data"),
     "body": T("楼宇、组织、企业的名称，以及房间号、电话和开放时间都是示例，正式上线前会换成真实信息。",
               "Names of towers, organisations and companies, and rooms, phone numbers and hours are samples; "
               "they will be replaced with real information before launch."),
     "start": "2026-01-01T00:00:00+08:00", "end": "2036-01-01T00:00:00+08:00", "priority": 90},
    {"id": "n-legal", "title": T("律师每周二驻楼答疑（示例）", "Lawyers on site every Tuesday (sample)"),
     "body": T("每周二下午在示例楼宇C 3层，免费解答合同、劳动用工等法律问题，请提前电话预约。",
               "Every Tuesday afternoon on floor 3 of Sample Tower C: free answers on contracts, employment and more. "
               "Please book by phone."),
     "image": "images/legal.png",
     "start": "2026-01-01T00:00:00+08:00", "end": "2035-12-31T00:00:00+08:00", "priority": 60},
    {"id": "n-nursing", "title": T("商圈设有妈咪小屋", "Nursing rooms in the district"),
     "body": T("商圈多幢楼设有供哺乳期妈妈使用的妈咪小屋，开放时间和设施见“服务查询”中的“妈咪小屋”。",
               "Several towers have a room for nursing mothers; see Nursing rooms under Services for hours and what is there."),
     "image": "images/nursing.png",
     "start": "2026-01-01T00:00:00+08:00", "end": "2035-12-31T00:00:00+08:00", "priority": 50},
    {"id": "n-forum", "title": T("黄龙论坛冬季讲座（示例日期）", "Huanglong Forum winter talk (sample date)"),
     "body": T("本期讲座面向商圈从业者，欢迎到商圈党员服务中心报名。",
               "This talk is for everyone working in the district; sign up at the Party members' service centre."),
     "image": "images/forum.png",
     "start": "2026-11-01T00:00:00+08:00", "end": "2027-01-31T00:00:00+08:00", "priority": 70},
    {"id": "n-jobs", "title": T("商圈专场招聘会（示例日期）", "District job fair (sample date)"),
     "body": T("楼宇企业现场招聘，求职者请带简历到党群服务中心。",
               "Companies from the towers hire on the spot; bring your CV to the Party and community service centre."),
     "image": "images/jobs.png",
     "start": "2026-11-15T00:00:00+08:00", "end": "2030-12-31T00:00:00+08:00", "priority": 80},
    {"id": "n-lights", "title": T("灯光亮化施工提示（已结束）", "Lighting works notice (ended)"),
     "body": T("夜间施工期间部分通道临时调整。此通知已过期，仅用于演示按日期筛选。",
               "Some passages changed during night works. This notice has expired and shows date filtering."),
     "image": "images/lights.png",
     "start": "2026-03-01T00:00:00+08:00", "end": "2026-04-30T00:00:00+08:00", "priority": 40},
]

district = {
    "name": T("黄龙商圈", "Huanglong Business District"),
    "short_name": T("黄龙", "Huanglong"),
    "about": [
        T("黄龙商圈在杭州市西湖区灵隐街道。核心区有13幢商务楼宇，入驻企业2400多家，其中总部企业50多家，"
          "每天在这里上班的有两万多人。",
          "The Huanglong business district lies in Lingyin Subdistrict, Xihu District, Hangzhou. Its core has 13 "
          "office towers with more than 2,400 companies, over 50 of them headquarters, and more than 20,000 people work here."),
        T("2006年，浙江省第一个商圈党委和商圈党员服务中心在这里成立。做法很朴素：把支部建到楼里，把服务送到身边。",
          "In 2006 the province's first district Party committee and Party members' service centre were set up here, "
          "with a plain idea: put branches in the towers and bring services close to people."),
        T("现在商圈有党支部70个，其中楼宇党支部13个，每幢楼都有；工会32家，覆盖192家企业；团支部38个；"
          "楼宇妇委会10个；关工委12个（企业10个、楼宇2个）；还有1个同心荟。",
          "Today there are 70 Party branches, 13 of them tower branches, one in every tower; 32 unions covering 192 "
          "companies; 38 Youth League branches; 10 tower women's committees; 12 next-generation committees "
          "(10 in companies, 2 in towers); and one Tongxinhui."),
        T("13幢楼分成3个服务网格，每个网格有专人走访企业。网格已走访189家企业1100多次，协调解决企业需求348项；"
          "通过亲清在线平台发放补助资金1472万元。",
          "The 13 towers form 3 service grids, each with people who visit companies. They have visited 189 "
          "companies more than 1,100 times and resolved 348 requests; 14.72 million yuan in subsidies were "
          "paid through the Qinqing Online platform."),
        T("这台终端把这些服务放在楼下大堂：查服务、看通知、找妈咪小屋、提需求，都在这里。",
          "This kiosk brings those services to the lobby: find a service, read notices, locate a nursing room or "
          "ask for help, all here."),
    ],
    "facts": [
        {"value": "13", "label": T("幢商务楼宇", "office towers")},
        {"value": "2400+", "label": T("家入驻企业", "companies")},
        {"value": "70", "label": T("个党支部", "Party branches")},
        {"value": "3", "label": T("个服务网格", "service grids")},
        {"value": "348", "label": T("项企业需求已协调", "company requests resolved")},
        {"value": "1472万", "label": T("元补助经亲清在线发放", "yuan of subsidies via Qinqing Online")},
    ],
}

bundle = {
    "$schema": "../content.schema.json",
    "schema": 1,
    "version": "2026.11.25-default",
    "generated_at": "2026-11-25T09:00:00+08:00",
    "sample": True,
    "sample_notice": T("示例数据：楼宇、组织和企业名称，以及房间、电话、时间均为示例，不是真实信息。",
                       "Sample data: names of towers, organisations and companies, and rooms, phone numbers and "
                       "hours are examples, not real information."),
    "district": district,
    "towers": towers,
    "walkways": walkways,
    "orgs": orgs,
    "categories": categories,
    "services": services,
    "nursing_rooms": nursing_rooms,
    "companies": companies,
    "request_categories": request_categories,
    "quick_phrases": quick_phrases,
    "notices": notices,
}

# self-check of the article's counts
count = {}
for o in orgs:
    count[o["type"]] = count.get(o["type"], 0) + 1
assert count["party_branch"] + count["tower_party_branch"] == 70 and count["tower_party_branch"] == 13
assert count["union"] == 32 and sum(o.get("companies", 0) for o in orgs if o["type"] == "union") == 192
assert count["youth_league"] == 38 and count["womens_committee"] == 10
assert count["next_gen_enterprise"] == 10 and count["next_gen_tower"] == 2 and count["tongxinhui"] == 1
assert len(towers) == 13 and sorted(set(grid_of)) == [1, 2, 3]
assert sum(1 for s in services if s["name"]["zh"] == "法律服务") == 1

with open(OUT, "w", encoding="utf-8") as f:
    json.dump(bundle, f, ensure_ascii=False, indent=1)
    f.write("\n")
print("wrote", OUT, len(services), "services", len(orgs), "orgs")
