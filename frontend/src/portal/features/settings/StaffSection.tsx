import { App, Button, Card, Empty, Form, Input, Modal, Popconfirm, Radio, Space, Table, Tag, Typography } from 'antd';
import { DeleteOutlined, MailOutlined, ReloadOutlined, UserAddOutlined } from '@ant-design/icons';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from 'urql';
import {
  SettingsInvitesDocument,
  SettingsStaffDocument,
  SettingsStaffInviteDocument,
  SettingsStaffInviteRevokeDocument,
  SettingsStaffRemoveDocument,
  type SettingsInvitesQuery,
  type SettingsStaffQuery,
  type StaffRole,
} from '../../../gql/graphql';
import { ApiError, fieldErrors, type UserError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';
import { SecretModal } from './SecretBox';

type Member = SettingsStaffQuery['staff'][number];
type Invite = SettingsInvitesQuery['staffInvites'][number];

const inviteColor: Record<string, string> = { PENDING: 'processing', ACCEPTED: 'green', REVOKED: 'default', EXPIRED: 'default' };

// StaffSection: who works for the store; the owner removes others (asked first; the last owner stays).
export function StaffSection({ isOwner, myId, tz }: { isOwner: boolean; myId: string; tz: string }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const [{ data, error, fetching }, refetch] = useQuery({ query: SettingsStaffDocument });
  const [removing, remove] = useMutation(SettingsStaffRemoveDocument);
  const [errs, setErrs] = useState<UserError[]>([]);

  const doRemove = async (m: Member) => {
    setErrs([]);
    const r = await remove({ input: { userId: m.user.id } });
    const u = r.data?.staffRemove.userErrors ?? [];
    if (u.length) setErrs(u);
    else if (r.data?.staffRemove.removed) {
      message.success(t('settings.removed', { name: m.user.displayName }));
      refetch({ requestPolicy: 'network-only' });
    }
  };

  return (
    <Card
      className="tgs-card"
      type="inner"
      title={t('settings.staffTitle')}
      extra={<Button size="small" icon={<ReloadOutlined />} aria-label={t('settings.refresh')} onClick={() => refetch({ requestPolicy: 'network-only' })} />}
    >
      <ApiError error={error ?? removing.error} userErrors={errs} />
      <Table<Member>
        className="tgs-table"
        data-testid="staff"
        rowKey={(m) => m.user.id}
        size="middle"
        loading={fetching}
        pagination={false}
        dataSource={data?.staff ?? []}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('settings.noStaff')} /> }}
        columns={[
          {
            title: t('settings.member'),
            key: 'name',
            render: (_, m) => (
              <Space direction="vertical" size={0}>
                <Typography.Text strong>
                  {m.user.displayName} {m.user.id === myId && <Tag>{t('settings.you')}</Tag>}
                </Typography.Text>
                <Typography.Text type="secondary" className="tgs-muted">
                  {m.user.email}
                </Typography.Text>
              </Space>
            ),
          },
          { title: t('settings.role'), key: 'role', width: 140, render: (_, m) => <Tag color={m.staffRole === 'OWNER' ? 'gold' : 'blue'}>{t(`enums.StaffRole.${m.staffRole}`)}</Tag> },
          { title: t('settings.joinedAt'), key: 'joined', width: 200, render: (_, m) => formatDateTime(m.joinedAt, i18n.language, tz) },
          ...(isOwner
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  width: 120,
                  render: (_: unknown, m: Member) =>
                    m.user.id === myId ? (
                      <Typography.Text type="secondary">—</Typography.Text>
                    ) : (
                      <Popconfirm
                        title={t('settings.removeConfirm', { name: m.user.displayName })}
                        description={t('settings.removeConfirmText')}
                        okText={t('settings.remove')}
                        okButtonProps={{ danger: true }}
                        cancelText={t('common.cancel')}
                        onConfirm={() => doRemove(m)}
                      >
                        <Button size="small" danger icon={<DeleteOutlined />} loading={removing.fetching}>
                          {t('settings.remove')}
                        </Button>
                      </Popconfirm>
                    ),
                },
              ]
            : []),
        ]}
      />
    </Card>
  );
}

// InvitesSection: the owner's invitations (newest first), inviting by e-mail and role (the token is shown
// once), and revoking a pending one.
export function InvitesSection({ tz }: { tz: string }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  // Refreshed by the client whenever a mutation answers with an invitation (made, revoked).
  const context = useMemo(() => ({ additionalTypenames: ['StaffInvite'] }), []);
  const [{ data, error, fetching }] = useQuery({ query: SettingsInvitesDocument, context });
  const [revoking, revoke] = useMutation(SettingsStaffInviteRevokeDocument);
  const [errs, setErrs] = useState<UserError[]>([]);
  const [inviting, setInviting] = useState(false);
  const [secret, setSecret] = useState<{ token: string; email: string } | null>(null);

  const doRevoke = async (inv: Invite) => {
    setErrs([]);
    const r = await revoke({ input: { id: inv.id } });
    const u = r.data?.staffInviteRevoke.userErrors ?? [];
    if (u.length) setErrs(u);
    else {
      message.success(t('settings.inviteRevoked', { email: inv.email }));
    }
  };

  return (
    <Card
      className="tgs-card"
      type="inner"
      title={t('settings.invitesTitle')}
      extra={
        <Button type="primary" icon={<UserAddOutlined />} onClick={() => setInviting(true)} data-testid="invite-open">
          {t('settings.invite')}
        </Button>
      }
    >
      <ApiError error={error ?? revoking.error} userErrors={errs} />
      <Table<Invite>
        className="tgs-table"
        data-testid="invites"
        rowKey="id"
        size="middle"
        loading={fetching}
        dataSource={data?.staffInvites ?? []}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('settings.noInvites')} /> }}
        onRow={(inv) => ({ 'data-testid': 'invite', 'data-email': inv.email, 'data-status': inv.status }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('settings.email'),
            key: 'email',
            render: (_, inv) => (
              <Space>
                <MailOutlined aria-hidden />
                <span>{inv.email}</span>
              </Space>
            ),
          },
          { title: t('settings.role'), key: 'role', width: 90, render: (_, inv) => <Tag color={inv.staffRole === 'OWNER' ? 'gold' : 'blue'}>{t(`enums.StaffRole.${inv.staffRole}`)}</Tag> },
          {
            title: t('common.status'),
            key: 'status',
            width: 100,
            render: (_, inv) => (
              <Tag color={inviteColor[inv.status]} data-testid="invite-status">
                {t(`settings.inviteStatus.${inv.status}`)}
              </Tag>
            ),
          },
          { title: t('settings.invitedAt'), key: 'created', width: 200, render: (_, inv) => formatDateTime(inv.createdAt, i18n.language, tz) },
          { title: t('settings.expiresAt'), key: 'expires', width: 200, render: (_, inv) => formatDateTime(inv.expiresAt, i18n.language, tz) },
          {
            title: t('common.actions'),
            key: 'actions',
            width: 90,
            render: (_, inv) =>
              inv.status === 'PENDING' ? (
                <Popconfirm
                  title={t('settings.inviteRevokeConfirm', { email: inv.email })}
                  description={t('settings.inviteRevokeText')}
                  okText={t('settings.revoke')}
                  okButtonProps={{ danger: true, 'data-testid': 'invite-revoke-ok' } as React.ComponentProps<typeof Button>}
                  cancelText={t('common.cancel')}
                  onConfirm={() => doRevoke(inv)}
                >
                  <Button size="small" danger data-testid="invite-revoke">
                    {t('settings.revoke')}
                  </Button>
                </Popconfirm>
              ) : (
                <Typography.Text type="secondary">—</Typography.Text>
              ),
          },
        ]}
      />
      {inviting && (
        <InviteModal
          onClose={() => setInviting(false)}
          onInvited={(token, email) => {
            setInviting(false);
            setSecret({ token, email });
          }}
        />
      )}
      {secret && (
        <SecretModal
          title={t('settings.inviteTokenTitle', { email: secret.email })}
          intro={t('settings.inviteTokenIntro')}
          secret={secret.token}
          testId="invite-token"
          onClose={() => setSecret(null)}
        />
      )}
    </Card>
  );
}

function InviteModal({ onClose, onInvited }: { onClose: () => void; onInvited: (token: string, email: string) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [{ fetching, error }, invite] = useMutation(SettingsStaffInviteDocument);
  const [rest, setRest] = useState<UserError[]>([]);

  const submit = async () => {
    let v: { email: string; staffRole: StaffRole };
    try {
      v = (await form.validateFields()) as { email: string; staffRole: StaffRole };
    } catch {
      return; // the form shows what is missing
    }
    setRest([]);
    const r = await invite({ input: { email: v.email.trim(), staffRole: v.staffRole } });
    const errs = r.data?.staffInvite.userErrors ?? [];
    if (errs.length) {
      const { fields } = fieldErrors(errs);
      const known = fields.filter((f) => f.name === 'email' || f.name === 'staffRole');
      form.setFields(known);
      setRest(errs.filter((e) => !known.some((k) => k.name === e.field?.at(-1))));
      return;
    }
    const p = r.data?.staffInvite;
    if (p?.inviteToken && p.invite) {
      message.success(t('settings.invited', { email: p.invite.email }));
      onInvited(p.inviteToken, p.invite.email);
    }
  };

  return (
    <Modal
      open
      title={t('settings.inviteTitle')}
      okText={t('settings.inviteSend')}
      cancelText={t('common.cancel')}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={fetching}
      okButtonProps={{ 'data-testid': 'invite-submit' } as React.ComponentProps<typeof Button>}
      destroyOnHidden
    >
      <ApiError error={error} userErrors={rest} />
      <Form form={form} layout="vertical" initialValues={{ staffRole: 'AGENT' }} requiredMark={false} style={{ marginTop: 12 }}>
        <Form.Item
          name="email"
          label={t('settings.email')}
          rules={[
            { required: true, message: t('settings.emailRequired') },
            { type: 'email', message: t('settings.emailInvalid') },
          ]}
        >
          <Input type="email" autoComplete="off" placeholder="name@example.com" data-testid="invite-email" />
        </Form.Item>
        <Form.Item name="staffRole" label={t('settings.role')} extra={t('settings.roleHelp')}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            options={[
              { value: 'AGENT', label: t('enums.StaffRole.AGENT') },
              { value: 'OWNER', label: t('enums.StaffRole.OWNER') },
            ]}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
