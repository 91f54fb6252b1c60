// i18n: the console's words, Chinese first, English second. The language is
// the staff member's choice (the toggle in the top bar), kept in this browser.

const zh = {
  brand: '黄龙商圈楼宇服务中心', console: '工作台', other: 'English',
  inbox: '求助请求', kiosks: '终端', users: '账户', audit: '审计日志', logout: '退出登录',
  login_title: '工作人员登录', name: '用户名', password: '密码', login: '登录',
  login_failed: '用户名或密码错误，或账户已被锁定、停用。连续 5 次输错后账户锁定 15 分钟。',
  login_busy: '尝试次数过多，请稍后再试。', expired: '登录已过期，请重新登录。',
  logged_out: '已退出登录。', net_error: '无法连接服务中心后台，请稍后再试。',
  status: '状态', category: '类别', tower: '楼宇', kiosk: '终端', assignee: '处理人',
  search: '搜索', search_ph: '编号、公司、联系人、电话或描述', apply: '查询', reset: '清除条件',
  all: '全部', open: '未办结', mine: '我负责的', nobody: '未指派', refresh: '刷新',
  ticket: '编号', received: '收到时间', updated: '更新时间', company: '公司', contact: '联系人',
  phone: '联系电话', description: '需求描述', lang: '语言', created: '提交时间',
  receipt: '小票编号', check: '查询码', note: '留言', history: '处理记录', by: '操作人',
  from_to: '变更', none: '—', erased: '已删除', count: (n) => `共 ${n} 条`,
  count_max: (n) => `显示最新 ${n} 条，请用条件缩小范围`,
  empty: '没有符合条件的请求。', back: '← 返回列表',
  change_status: '更新状态', new_status: '新状态', note_ph: '给求助人的留言（会显示在终端和手机页面上，最多 500 字）',
  save_status: '保存状态', assign: '指派', assign_to: '指派给', save_assign: '保存指派',
  readonly: '只读账户：可以查看，不能修改。', final: '这条请求已办结，状态不能再改。',
  saved: '已保存。', erased_note: (t) => `按保留期限规定，个人信息已于 ${t} 删除。`,
  online: '在线', stale: '失联', never: '未上报', revoked: '已吊销', last_seen: '最近心跳',
  version: '软件版本', content_version: '内容版本', queue: '待发队列', oldest: '最久等待',
  net: '网络', last_error: '最近错误', state: '状态', actions: '操作',
  add_kiosk: '添加终端', kiosk_id: '终端编号', add: '添加', revoke: '吊销',
  revoke_confirm: (id) => `吊销终端 ${id} 的令牌？吊销后它不能再提交请求。`,
  token_once: '终端令牌只显示这一次，请立即写入该终端的 token 文件：',
  role: '角色', role_viewer: '只读', role_handler: '处理', role_admin: '管理',
  last_login: '最近登录', account_created: '创建时间', locked_until: '锁定至', disabled: '已停用', active: '正常',
  add_user: '添加账户', set_role: '改角色', new_pw: '重置密码', disable: '停用', enable: '启用',
  unlock: '解锁', pw_once: (n) => `账户 ${n} 的密码只显示这一次，请当面交给本人：`,
  name_rule: '2–32 个小写字母、数字或 . _ -，以字母开头',
  at: '时间', actor: '操作人', action: '操作', target: '对象', detail: '内容', older: '更早的记录',
  st_new: '待受理', st_accepted: '已受理', st_in_progress: '处理中', st_resolved: '已解决',
  st_rejected: '未能受理', beijing: '北京时间', seconds: (n) => `${n} 秒`,
  ago_min: (n) => `${n} 分钟前`, ago_h: (n) => `${n} 小时前`, ago_d: (n) => `${n} 天前`,
  yes: '是', no: '否', forbidden: '当前账户的角色不能执行这个操作。',
};

const en = {
  brand: 'Huanglong District Service Centre', console: 'Console', other: '中文',
  inbox: 'Requests', kiosks: 'Kiosks', users: 'Accounts', audit: 'Audit log', logout: 'Log out',
  login_title: 'Staff login', name: 'Name', password: 'Password', login: 'Log in',
  login_failed: 'Wrong name or password, or the account is locked or disabled. Five wrong passwords in a row lock it for 15 minutes.',
  login_busy: 'Too many attempts. Please try again later.', expired: 'Your session expired. Please log in again.',
  logged_out: 'You are logged out.', net_error: 'The hub cannot be reached. Please try again later.',
  status: 'Status', category: 'Category', tower: 'Tower', kiosk: 'Kiosk', assignee: 'Assignee',
  search: 'Search', search_ph: 'Ticket, company, contact, phone or description', apply: 'Apply', reset: 'Clear',
  all: 'All', open: 'Open', mine: 'Mine', nobody: 'Unassigned', refresh: 'Refresh',
  ticket: 'Ticket', received: 'Received', updated: 'Updated', company: 'Company', contact: 'Contact',
  phone: 'Phone', description: 'Description', lang: 'Language', created: 'Filed',
  receipt: 'Receipt ticket', check: 'Check code', note: 'Note', history: 'History', by: 'By',
  from_to: 'Change', none: '—', erased: 'erased', count: (n) => `${n} requests`,
  count_max: (n) => `The newest ${n}; narrow the filters to see others`,
  empty: 'No request matches.', back: '← Back to the list',
  change_status: 'Change status', new_status: 'New status', note_ph: 'A note for the person (shown at the kiosk and on the phone page, up to 500 characters)',
  save_status: 'Save status', assign: 'Assign', assign_to: 'Assign to', save_assign: 'Save assignment',
  readonly: 'Read-only account: you can look, not change.', final: 'This request is closed; its status cannot change.',
  saved: 'Saved.', erased_note: (t) => `The personal fields were erased on ${t} (retention period).`,
  online: 'Online', stale: 'Silent', never: 'Never reported', revoked: 'Revoked', last_seen: 'Last heartbeat',
  version: 'Software', content_version: 'Content', queue: 'Queued', oldest: 'Oldest waiting',
  net: 'Network', last_error: 'Last error', state: 'State', actions: 'Actions',
  add_kiosk: 'Add a kiosk', kiosk_id: 'Kiosk id', add: 'Add', revoke: 'Revoke',
  revoke_confirm: (id) => `Revoke the token of kiosk ${id}? It can no longer file requests.`,
  token_once: 'The kiosk token is shown only now; put it in the kiosk\'s token file:',
  role: 'Role', role_viewer: 'Viewer', role_handler: 'Handler', role_admin: 'Admin',
  last_login: 'Last login', account_created: 'Created', locked_until: 'Locked until', disabled: 'Disabled', active: 'Active',
  add_user: 'Add an account', set_role: 'Set role', new_pw: 'New password', disable: 'Disable', enable: 'Enable',
  unlock: 'Unlock', pw_once: (n) => `The password of ${n} is shown only now; hand it to them in person:`,
  name_rule: '2–32 lower-case letters, digits or . _ -, starting with a letter',
  at: 'When', actor: 'Who', action: 'What', target: 'Target', detail: 'Detail', older: 'Older entries',
  st_new: 'Received', st_accepted: 'Accepted', st_in_progress: 'In progress', st_resolved: 'Resolved',
  st_rejected: 'Declined', beijing: 'Beijing time', seconds: (n) => `${n} s`,
  ago_min: (n) => `${n} min ago`, ago_h: (n) => `${n} h ago`, ago_d: (n) => `${n} days ago`,
  yes: 'yes', no: 'no', forbidden: 'The role of this account may not do this.',
};

const words = { zh, en };
let current = localStorage.getItem('hub.lang') === 'en' ? 'en' : 'zh';

export function lang() { return current; }

export function setLang(l) {
  current = l === 'en' ? 'en' : 'zh';
  localStorage.setItem('hub.lang', current);
  document.documentElement.lang = current === 'en' ? 'en' : 'zh-Hans';
}

// The word for key, called with args when it is a function.
export function t(key, ...args) {
  const w = words[current][key] ?? words.zh[key] ?? key;
  return typeof w === 'function' ? w(...args) : w;
}

// "2026-11-25T01:31:00Z" as Beijing time "2026-11-25 09:31".
export function when(iso) {
  if (!iso) return t('none');
  const d = new Date(Date.parse(iso) + 8 * 3600 * 1000);
  if (isNaN(d)) return iso;
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

// How long ago iso was, in words.
export function ago(iso) {
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (!(s >= 0)) return '';
  if (s < 3600) return t('ago_min', Math.floor(s / 60));
  if (s < 86400) return t('ago_h', Math.floor(s / 3600));
  return t('ago_d', Math.floor(s / 86400));
}
