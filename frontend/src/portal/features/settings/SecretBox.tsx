import { Alert, App, Button, Modal, Space } from 'antd';
import { CheckOutlined, CopyOutlined } from '@ant-design/icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

// A secret the API shows once (an API token, an invitation token): in a modal that only closes on purpose,
// with a copy button and the warning that it will not be shown again.
export function SecretModal({ title, intro, secret, onClose, testId }: { title: string; intro: string; secret: string; onClose: () => void; testId: string }) {
  const { t } = useTranslation();
  return (
    <Modal
      open
      title={title}
      closable={false}
      maskClosable={false}
      keyboard={false}
      onCancel={onClose}
      footer={
        <Button type="primary" onClick={onClose} data-testid={`${testId}-done`}>
          {t('settings.secretDone')}
        </Button>
      }
      width={620}
    >
      <Space direction="vertical" size={14} style={{ width: '100%' }}>
        <Alert type="warning" showIcon message={t('settings.secretOnce')} description={intro} />
        <SecretBox secret={secret} testId={testId} />
      </Space>
    </Modal>
  );
}

export function SecretBox({ secret, testId }: { secret: string; testId: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
      message.success(t('settings.copied'));
    } catch {
      // No clipboard (an insecure page or a refused permission): select the text to copy by hand.
      const el = document.querySelector(`[data-testid="${testId}"]`);
      if (el) window.getSelection()?.selectAllChildren(el);
      message.info(t('settings.copyByHand'));
    }
  };
  return (
    <div className="tgs-secret">
      <code data-testid={testId} aria-label={t('settings.secretLabel')}>
        {secret}
      </code>
      <Button icon={copied ? <CheckOutlined /> : <CopyOutlined />} onClick={copy} data-testid={`${testId}-copy`} style={{ height: 'auto' }}>
        {copied ? t('settings.copiedShort') : t('settings.copy')}
      </Button>
    </div>
  );
}
