import type { FeatureMessages } from '../../i18n/types';

const en = {
  title: 'Dashboard',
  welcome: '{{store}} · today at a glance',
  dueToday: 'Cases due today',
  dueTodayCount: '{{count}} due today, {{overdue}} overdue, {{open}} open',
  noneDue: 'No case is due today. The after-sales queue lists every open case.',
  openQueue: 'Open the after-sales queue',
  penalties: 'Penalties in force',
  noPenalties: 'No penalty is in force.',
  until: 'until {{time}}',
  indefinite: 'until lifted',
  points: '{{points}} points',
};

export const messages: FeatureMessages<typeof en> = {
  en,
  'zh-Hans': {
    title: '工作台',
    welcome: '{{store}} · 今日概况',
    dueToday: '今日到期的售后',
    dueTodayCount: '今日到期 {{count}} 个，已超时 {{overdue}} 个，处理中 {{open}} 个',
    noneDue: '今天没有到期的售后。售后列表中有全部处理中的售后单。',
    openQueue: '打开售后列表',
    penalties: '生效中的处罚',
    noPenalties: '当前没有生效的处罚。',
    until: '至 {{time}}',
    indefinite: '直至解除',
    points: '{{points}} 分',
  },
  'zh-Hant': {
    title: '工作台',
    welcome: '{{store}} · 今日概況',
    dueToday: '今日到期的售後',
    dueTodayCount: '今日到期 {{count}} 件，已逾時 {{overdue}} 件，處理中 {{open}} 件',
    noneDue: '今天沒有到期的售後。售後列表中有全部處理中的售後單。',
    openQueue: '開啟售後列表',
    penalties: '生效中的處罰',
    noPenalties: '目前沒有生效的處罰。',
    until: '至 {{time}}',
    indefinite: '直到解除',
    points: '{{points}} 點',
  },
};
