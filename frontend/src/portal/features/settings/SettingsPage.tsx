import { PageContainer } from '@ant-design/pro-components';
import { Alert, Card, Descriptions, Tabs, Tag } from 'antd';
import { ApiOutlined, PoweroffOutlined, ShopOutlined, TeamOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';
import { SettingsStoreDocument } from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { ApiError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';
import { PageLoading } from '../../lib/PageLoading';
import { useUrlState } from '../../lib/urlList';
import { ApiTokensSection } from './ApiTokensSection';
import { CloseStoreSection } from './CloseStoreSection';
import { InvitesSection, StaffSection } from './StaffSection';
import '../ratings/ratings.css';

const TABS = ['store', 'staff', 'api', 'close'] as const;
type TabKey = (typeof TABS)[number];

export const storeStatusColor: Record<string, string> = { ACTIVE: 'green', CLOSING: 'orange', CLOSED: 'default', SUSPENDED: 'red' };

// Store settings: the store's profile, its staff and invitations, partner API tokens and closing the store.
// What only the owner may do is shown to agents as such, never as a button that fails.
export default function SettingsPage() {
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  const { params, update } = useUrlState();
  const tab: TabKey = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as TabKey) : 'store';
  const [{ data, error, fetching }, refetch] = useQuery({ query: SettingsStoreDocument });
  if (!data && fetching) return <PageLoading />;
  const store = data?.viewer?.store;
  const isOwner = (data?.viewer?.staffRole ?? session.staffRole) === 'OWNER';
  const lang = i18n.language;
  const ownerOnly = <Alert type="info" showIcon message={t('settings.ownerOnlyTitle')} description={t('settings.ownerOnlyText')} data-testid="owner-only" />;

  return (
    <PageContainer title={t('settings.title')} subTitle={store?.name}>
      <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      {store && (
        <Card variant="borderless">
          <Tabs
            activeKey={tab}
            onChange={(k) => update({ tab: k === 'store' ? null : k })}
            items={[
              {
                key: 'store',
                label: t('settings.tabStore'),
                icon: <ShopOutlined />,
                children: (
                  <Descriptions bordered column={{ xs: 1, md: 2 }} size="middle" data-testid="store-profile">
                    <Descriptions.Item label={t('settings.storeName')}>{store.name}</Descriptions.Item>
                    <Descriptions.Item label={t('settings.slug')}>
                      <span className="tg-mono">{store.slug}</span>
                    </Descriptions.Item>
                    <Descriptions.Item label={t('common.status')}>
                      <Tag color={storeStatusColor[store.status]} data-testid="store-status" data-status={store.status}>
                        {t(`settings.storeStatus.${store.status}`)}
                      </Tag>
                    </Descriptions.Item>
                    <Descriptions.Item label={t('settings.category')}>{store.category}</Descriptions.Item>
                    <Descriptions.Item label={t('settings.currency')}>{store.currencyCode}</Descriptions.Item>
                    <Descriptions.Item label={t('settings.timeZone')}>{store.timeZone}</Descriptions.Item>
                    <Descriptions.Item label={t('settings.createdAt')}>{formatDateTime(store.createdAt, lang, store.timeZone)}</Descriptions.Item>
                    <Descriptions.Item label={t('settings.yourRole')}>
                      <Tag color={isOwner ? 'gold' : 'blue'}>{t(`enums.StaffRole.${data?.viewer?.staffRole ?? 'AGENT'}`)}</Tag>
                    </Descriptions.Item>
                  </Descriptions>
                ),
              },
              {
                key: 'staff',
                label: t('settings.tabStaff'),
                icon: <TeamOutlined />,
                children: (
                  <>
                    <StaffSection isOwner={isOwner} myId={data?.viewer?.id ?? ''} tz={store.timeZone} />
                    {isOwner ? <InvitesSection tz={store.timeZone} /> : ownerOnly}
                  </>
                ),
              },
              {
                key: 'api',
                label: t('settings.tabApi'),
                icon: <ApiOutlined />,
                children: isOwner ? <ApiTokensSection tz={store.timeZone} /> : ownerOnly,
              },
              {
                key: 'close',
                label: t('settings.tabClose'),
                icon: <PoweroffOutlined />,
                children: isOwner ? <CloseStoreSection store={store} /> : ownerOnly,
              },
            ]}
          />
        </Card>
      )}
    </PageContainer>
  );
}
