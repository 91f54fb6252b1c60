#include "kerr.h"

static const struct {
    const char *name;
    const char *zh;
} kerr_table[KERR__COUNT] = {
    [KERR_OK] = {"ok", "成功"},
    [KERR_NOMEM] = {"nomem", "设备内存不足，请稍后再试"},
    [KERR_IO] = {"io", "设备存储读写失败，请联系服务中心"},
    [KERR_PARSE] = {"parse", "数据格式有误"},
    [KERR_INVALID] = {"invalid", "内容不符合要求"},
    [KERR_UTF8] = {"utf8", "文字编码有误"},
    [KERR_TOOBIG] = {"toobig", "内容超出长度限制"},
    [KERR_NOTFOUND] = {"notfound", "未找到"},
    [KERR_FULL] = {"full", "待发送队列已满，请稍后再试或联系服务中心"},
    [KERR_DB] = {"db", "本机数据库出错，请联系服务中心"},
    [KERR_CORRUPT] = {"corrupt", "本机数据已损坏，已另存待查"},
    [KERR_NET] = {"net", "网络暂时不可用"},
    [KERR_HTTP] = {"http", "服务中心返回错误"},
    [KERR_AUTH] = {"auth", "本机未获授权，请联系管理员"},
    [KERR_CONFLICT] = {"conflict", "请求内容冲突"},
    [KERR_BUSY] = {"busy", "系统繁忙，请稍后再试"},
    [KERR_USAGE] = {"usage", "参数有误"},
};

const char *kerr_str(enum kerr e)
{
    if ((int)e < 0 || e >= KERR__COUNT) return "unknown";
    return kerr_table[e].name;
}

const char *kerr_zh(enum kerr e)
{
    if ((int)e < 0 || e >= KERR__COUNT) return "未知错误";
    return kerr_table[e].zh;
}
