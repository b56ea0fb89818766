import type { FeatureMessages } from '../../i18n/types';

const en = {
  title: 'Complaint queue',
  subtitle: 'Complaints the platform answers: the store did not reply in time, or the buyer escalated',
};

export const messages: FeatureMessages<typeof en> = {
  en,
  'zh-Hans': { title: '投诉队列', subtitle: '需平台处理的投诉：商家未按时回复，或买家申请平台介入' },
  'zh-Hant': { title: '投訴佇列', subtitle: '需平台處理的投訴：賣家未如期回覆，或買家申請平台介入' },
};
