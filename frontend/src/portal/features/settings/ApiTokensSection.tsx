import { Alert, App, Button, Card, Checkbox, Col, Empty, Form, Input, Modal, Popconfirm, Row, Space, Switch, Table, Tag, Typography } from 'antd';
import { KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';
import {
  SettingsApiTokenCreateDocument,
  SettingsApiTokenRevokeDocument,
  SettingsApiTokensDocument,
  type ApiScope,
  type SettingsApiTokensQuery,
} from '../../../gql/graphql';
import { ApiError, fieldErrors, type UserError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';
import { useUrlState } from '../../lib/urlList';
import { SecretModal } from './SecretBox';

type Token = SettingsApiTokensQuery['apiTokens'][number];

export const SCOPES: ApiScope[] = ['ORDERS_READ', 'ORDERS_WRITE', 'CATALOG_READ', 'CATALOG_WRITE', 'CASES_READ', 'CASES_WRITE', 'RATINGS_READ', 'RATINGS_WRITE', 'METRICS_READ'];
const AREAS = ['ORDERS', 'CATALOG', 'CASES', 'RATINGS', 'METRICS'] as const;

// ApiTokensSection: the store's partner API tokens; creating one shows its secret once, revoking one
// (asked first) stops it at once. Revoked tokens are listed on request (?revoked=1).
export function ApiTokensSection({ tz }: { tz: string }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { params, update } = useUrlState();
  const showRevoked = params.get('revoked') === '1';
  // Refreshed by the client whenever a mutation answers with a token (created, revoked), even from an empty list.
  const context = useMemo(() => ({ additionalTypenames: ['ApiToken'] }), []);
  const [{ data, error, fetching }] = useQuery({ query: SettingsApiTokensDocument, context });
  const [revoking, revoke] = useMutation(SettingsApiTokenRevokeDocument);
  const [errs, setErrs] = useState<UserError[]>([]);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ token: string; name: string } | null>(null);
  const tokens = (data?.apiTokens ?? []).filter((k) => showRevoked || !k.revokedAt);
  const active = (data?.apiTokens ?? []).filter((k) => !k.revokedAt).length;

  const doRevoke = async (k: Token) => {
    setErrs([]);
    const r = await revoke({ input: { id: k.id } });
    const u = r.data?.apiTokenRevoke.userErrors ?? [];
    if (u.length) setErrs(u);
    else {
      message.success(t('settings.tokenRevoked', { name: k.name }));
    }
  };

  return (
    <>
      <Typography.Paragraph type="secondary" className="tgs-section-note">
        {t('settings.apiIntro')}
      </Typography.Paragraph>
      <Card
        className="tgs-card"
        type="inner"
        title={
          <Space>
            <span>{t('settings.tokensTitle')}</span>
            <Tag>{t('settings.activeCount', { count: active })}</Tag>
          </Space>
        }
        extra={
          <Space size={16}>
            <Space size={6}>
              <label htmlFor="tokens-revoked">{t('settings.showRevoked')}</label>
              <Switch id="tokens-revoked" size="small" checked={showRevoked} onChange={(v) => update({ revoked: v ? '1' : null }, true)} />
            </Space>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="token-open">
              {t('settings.createToken')}
            </Button>
          </Space>
        }
      >
        <ApiError error={error ?? revoking.error} userErrors={errs} />
        <Table<Token>
          className="tgs-table"
          data-testid="tokens"
          rowKey="id"
          size="middle"
          loading={fetching}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          dataSource={tokens}
          scroll={{ x: 940 }}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('settings.noTokens')} /> }}
          onRow={(k) => ({ 'data-testid': 'token', 'data-name': k.name, 'data-revoked': k.revokedAt ? '1' : '0' }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            {
              title: t('settings.tokenName'),
              key: 'name',
              render: (_, k) => (
                <Space>
                  <KeyOutlined aria-hidden />
                  <Typography.Text strong>{k.name}</Typography.Text>
                </Space>
              ),
            },
            {
              title: t('settings.scopes'),
              key: 'scopes',
              width: 250,
              render: (_, k) => (
                <Space size={[4, 4]} wrap>
                  {k.scopes.map((s) => (
                    <Tag key={s} color={s.endsWith('WRITE') ? 'orange' : 'blue'}>
                      {t(`settings.scope.${s}`)}
                    </Tag>
                  ))}
                </Space>
              ),
            },
            { title: t('settings.createdAt'), key: 'created', width: 160, render: (_, k) => formatDateTime(k.createdAt, i18n.language, tz) },
            {
              title: t('settings.lastUsed'),
              key: 'used',
              width: 160,
              render: (_, k) => (k.lastUsedAt ? formatDateTime(k.lastUsedAt, i18n.language, tz) : <Typography.Text type="secondary">{t('settings.neverUsed')}</Typography.Text>),
            },
            {
              title: t('common.status'),
              key: 'status',
              width: 110,
              render: (_, k) =>
                k.revokedAt ? (
                  <Space direction="vertical" size={0}>
                    <Tag data-testid="token-status">{t('settings.revoked')}</Tag>
                    <Typography.Text type="secondary" className="tgs-muted">
                      {formatDateTime(k.revokedAt, i18n.language, tz)}
                    </Typography.Text>
                  </Space>
                ) : (
                  <Tag color="green" data-testid="token-status">
                    {t('settings.active')}
                  </Tag>
                ),
            },
            {
              title: t('common.actions'),
              key: 'actions',
              width: 90,
              render: (_, k) =>
                k.revokedAt ? (
                  <Typography.Text type="secondary">—</Typography.Text>
                ) : (
                  <Popconfirm
                    title={t('settings.tokenRevokeConfirm', { name: k.name })}
                    description={t('settings.tokenRevokeText')}
                    okText={t('settings.revoke')}
                    okButtonProps={{ danger: true, 'data-testid': 'token-revoke-ok' } as React.ComponentProps<typeof Button>}
                    cancelText={t('common.cancel')}
                    onConfirm={() => doRevoke(k)}
                  >
                    <Button size="small" danger data-testid="token-revoke">
                      {t('settings.revoke')}
                    </Button>
                  </Popconfirm>
                ),
            },
          ]}
        />
      </Card>
      {creating && (
        <CreateTokenModal
          onClose={() => setCreating(false)}
          onCreated={(token, name) => {
            setCreating(false);
            setSecret({ token, name });
          }}
        />
      )}
      {secret && (
        <SecretModal
          title={t('settings.tokenSecretTitle', { name: secret.name })}
          intro={t('settings.tokenSecretIntro')}
          secret={secret.token}
          testId="token-secret"
          onClose={() => setSecret(null)}
        />
      )}
    </>
  );
}

function CreateTokenModal({ onClose, onCreated }: { onClose: () => void; onCreated: (token: string, name: string) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm();
  const [{ fetching, error }, create] = useMutation(SettingsApiTokenCreateDocument);
  const [rest, setRest] = useState<UserError[]>([]);

  const submit = async () => {
    let v: { name: string; scopes: ApiScope[] };
    try {
      v = (await form.validateFields()) as { name: string; scopes: ApiScope[] };
    } catch {
      return; // the form shows what is missing
    }
    setRest([]);
    const r = await create({ input: { name: v.name.trim(), scopes: v.scopes } });
    const errs = r.data?.apiTokenCreate.userErrors ?? [];
    if (errs.length) {
      const known = fieldErrors(errs).fields.filter((f) => f.name === 'name' || f.name === 'scopes');
      form.setFields(known);
      setRest(errs.filter((e) => !known.some((k) => k.name === e.field?.at(-1))));
      return;
    }
    const p = r.data?.apiTokenCreate;
    if (p?.token && p.apiToken) onCreated(p.token, p.apiToken.name);
  };

  return (
    <Modal
      open
      title={t('settings.createTokenTitle')}
      okText={t('settings.createTokenSubmit')}
      cancelText={t('common.cancel')}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={fetching}
      okButtonProps={{ 'data-testid': 'token-submit' } as React.ComponentProps<typeof Button>}
      width={640}
      destroyOnHidden
    >
      <ApiError error={error} userErrors={rest} />
      <Form form={form} layout="vertical" requiredMark={false} initialValues={{ scopes: ['ORDERS_READ'] }} style={{ marginTop: 12 }}>
        <Form.Item
          name="name"
          label={t('settings.tokenName')}
          extra={t('settings.tokenNameHelp')}
          rules={[
            { required: true, whitespace: true, message: t('settings.tokenNameRequired') },
            { max: 100, message: t('settings.tokenNameTooLong') },
          ]}
        >
          <Input maxLength={100} placeholder={t('settings.tokenNamePlaceholder')} data-testid="token-name" />
        </Form.Item>
        <Form.Item
          name="scopes"
          label={t('settings.scopes')}
          extra={t('settings.scopesHelp')}
          rules={[{ required: true, type: 'array', min: 1, message: t('settings.scopesRequired') }]}
        >
          <Checkbox.Group style={{ width: '100%' }} data-testid="token-scopes">
            <Row gutter={[8, 8]}>
              {AREAS.map((area) => (
                <Col span={24} key={area}>
                  <Space size={16} wrap>
                    <Typography.Text className="tgs-muted" style={{ display: 'inline-block', width: 90 }}>
                      {t(`settings.area.${area}`)}
                    </Typography.Text>
                    {SCOPES.filter((s) => s.startsWith(area + '_')).map((s) => (
                      <Checkbox key={s} value={s}>
                        {t(`settings.scope.${s}`)}
                      </Checkbox>
                    ))}
                  </Space>
                </Col>
              ))}
            </Row>
          </Checkbox.Group>
        </Form.Item>
        <Alert type="info" showIcon message={t('settings.tokenOwnerNote')} />
      </Form>
    </Modal>
  );
}
