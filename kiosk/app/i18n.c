#include "i18n.h"

#include <stdio.h>

static const char *const zh[S__COUNT] = {
    [S_BACK] = "返回",
    [S_HOME] = "首页",
    [S_LANG_TOGGLE] = "English",
    [S_TILE_SERVICES] = "服务查询",
    [S_TILE_SERVICES_SUB] = "政策、法律、人才、楼内办事",
    [S_TILE_HELP] = "我要求助",
    [S_TILE_HELP_SUB] = "为企业提交服务需求",
    [S_TILE_BRANCH] = "找支部",
    [S_TILE_BRANCH_SUB] = "十分钟服务圈地图",
    [S_TILE_NURSING] = "妈咪小屋",
    [S_TILE_NURSING_SUB] = "预约母婴室",
    [S_TILE_NOTICES] = "通知公告",
    [S_TILE_NOTICES_SUB] = "商圈最新消息",
    [S_TILE_ABOUT] = "关于黄龙",
    [S_TILE_ABOUT_SUB] = "商圈党建与服务",
    [S_HOME_WELCOME] = "楼宇企业服务终端 · 请轻触选择服务",
    [S_ATTRACT_HINT] = "轻触屏幕开始使用",
    [S_SAMPLE_DATA] = "示例数据",
    [S_SEARCH] = "搜索",
    [S_SEARCH_TITLE] = "搜索服务",
    [S_SEARCH_PROMPT] = "输入汉字拼音或首字母，如 falv 或 flfw",
    [S_SEARCH_EMPTY] = "没有找到相关服务",
    [S_SEARCH_TRY] = "可以试试这些类别：",
    [S_SEARCH_RESULTS] = "条结果",
    [S_SEARCH_RESULT_ONE] = "条结果",
    [S_SERVICES_TITLE] = "服务查询",
    [S_SERVICES_PICK] = "请选择服务类别，或点“搜索”",
    [S_SERVICE_WHAT] = "服务内容",
    [S_SERVICE_PROVIDER] = "提供方",
    [S_SERVICE_PLACE] = "地点",
    [S_SERVICE_HOURS] = "时间",
    [S_SERVICE_PHONE] = "电话",
    [S_SERVICE_COUNT] = "项服务",
    [S_NOTICES_TITLE] = "通知公告",
    [S_NOTICES_NONE] = "目前没有通知",
    [S_NOTICE_VALID] = "有效期",
    [S_ABOUT_TITLE] = "关于黄龙",
    [S_ABOUT_FIGURES] = "数说黄龙",
    [S_ABOUT_VERSION] = "内容版本",
    [S_STILL_THERE] = "还在吗？",
    [S_STILL_THERE_BODY] = "如果没有操作，已填写的内容将在倒计时结束后清除，以保护您的隐私。",
    [S_CONTINUE] = "继续使用",
    [S_FINISH] = "结束",
    [S_CONTENT_BROKEN] = "内容暂不可用，请联系服务中心",
    [S_KIND_SERVICE] = "服务",
    [S_KIND_CATEGORY] = "类别",
    [S_KIND_ORG] = "组织",
    [S_CLOSE] = "关闭",
};

static const char *const en[S__COUNT] = {
    [S_BACK] = "Back",
    [S_HOME] = "Home",
    [S_LANG_TOGGLE] = "中文",
    [S_TILE_SERVICES] = "Services",
    [S_TILE_SERVICES_SUB] = "Policy, legal, talent, errands",
    [S_TILE_HELP] = "Get help",
    [S_TILE_HELP_SUB] = "File a request for your company",
    [S_TILE_BRANCH] = "Find a branch",
    [S_TILE_BRANCH_SUB] = "Ten-minute service map",
    [S_TILE_NURSING] = "Nursing rooms",
    [S_TILE_NURSING_SUB] = "Book a mothers' room",
    [S_TILE_NOTICES] = "Notices",
    [S_TILE_NOTICES_SUB] = "News from the district",
    [S_TILE_ABOUT] = "About Huanglong",
    [S_TILE_ABOUT_SUB] = "The district and its services",
    [S_HOME_WELCOME] = "Services for Huanglong's office towers · tap a tile to start",
    [S_ATTRACT_HINT] = "Touch the screen to begin",
    [S_SAMPLE_DATA] = "Sample data",
    [S_SEARCH] = "Search",
    [S_SEARCH_TITLE] = "Search services",
    [S_SEARCH_PROMPT] = "Type pinyin or initials, e.g. falv or flfw",
    [S_SEARCH_EMPTY] = "No matching service",
    [S_SEARCH_TRY] = "Try one of these categories:",
    [S_SEARCH_RESULTS] = "results",
    [S_SEARCH_RESULT_ONE] = "result",
    [S_SERVICES_TITLE] = "Services",
    [S_SERVICES_PICK] = "Choose a category, or tap Search",
    [S_SERVICE_WHAT] = "About this service",
    [S_SERVICE_PROVIDER] = "Provided by",
    [S_SERVICE_PLACE] = "Location",
    [S_SERVICE_HOURS] = "Hours",
    [S_SERVICE_PHONE] = "Phone",
    [S_SERVICE_COUNT] = "services",
    [S_NOTICES_TITLE] = "Notices",
    [S_NOTICES_NONE] = "No notices at the moment",
    [S_NOTICE_VALID] = "Valid",
    [S_ABOUT_TITLE] = "About Huanglong",
    [S_ABOUT_FIGURES] = "Huanglong in figures",
    [S_ABOUT_VERSION] = "Content version",
    [S_STILL_THERE] = "Still there?",
    [S_STILL_THERE_BODY] = ("If nothing is touched, what you entered is erased when the countdown "
                            "ends, to protect your privacy."),
    [S_CONTINUE] = "Continue",
    [S_FINISH] = "Finish",
    [S_CONTENT_BROKEN] = "Content unavailable; please contact the service centre",
    [S_KIND_SERVICE] = "Service",
    [S_KIND_CATEGORY] = "Category",
    [S_KIND_ORG] = "Organisation",
    [S_CLOSE] = "Close",
};

const char *i18n(enum str_id id, enum content_lang lang)
{
    const char *s;
    if ((int)id < 0 || id >= S__COUNT) return "";
    s = lang == CONTENT_EN ? en[id] : zh[id];
    if (!s) s = zh[id];
    return s ? s : "";
}

const char *i18n_date(int year, int mon1, int mday, int wday, enum content_lang lang, char *buf,
                      size_t n)
{
    static const char *const wd_zh[7] = {"日", "一", "二", "三", "四", "五", "六"};
    static const char *const wd_en[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
    static const char *const mon_en[12] = {"January", "February", "March",     "April",
                                           "May",     "June",     "July",      "August",
                                           "September", "October", "November", "December"};
    if (wday < 0 || wday > 6) wday = 0;
    if (mon1 < 1 || mon1 > 12) mon1 = 1;
    if (lang == CONTENT_EN)
        snprintf(buf, n, "%s, %d %s %d", wd_en[wday], mday, mon_en[mon1 - 1], year);
    else
        snprintf(buf, n, "%d年%d月%d日 星期%s", year, mon1, mday, wd_zh[wday]);
    return buf;
}

int i18n_complete(void)
{
    for (int i = 0; i < S__COUNT; i++)
        if (!zh[i] || !en[i] || !zh[i][0] || !en[i][0]) return 0;
    return 1;
}
