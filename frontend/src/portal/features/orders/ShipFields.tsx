import { AutoComplete, Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';

export const TRACKING_PATTERN = /^[A-Za-z0-9-]{4,64}$/;

// The carrier and tracking number of a shipment (an order, a return, a reshipment), checked as the API
// checks them: a carrier of 1 to 50 characters, a tracking number of 4 to 64 letters, digits or dashes.
export function ShipFields() {
  const { t } = useTranslation();
  const carriers = t('orders.carrierSuggestions')
    .split('|')
    .map((c) => ({ value: c }));
  return (
    <>
      <Form.Item
        name="carrier"
        label={t('orders.carrier')}
        rules={[
          { required: true, whitespace: true, message: t('orders.carrierRequired') },
          { max: 50, message: t('orders.carrierTooLong') },
        ]}
      >
        <AutoComplete options={carriers} placeholder={t('orders.carrierPlaceholder')} filterOption={(input, o) => !!o?.value.toLowerCase().includes(input.toLowerCase())} />
      </Form.Item>
      <Form.Item
        name="trackingNumber"
        label={t('orders.trackingNumber')}
        extra={t('orders.trackingHelp')}
        rules={[
          { required: true, message: t('orders.trackingRequired') },
          { pattern: TRACKING_PATTERN, message: t('orders.trackingInvalid') },
        ]}
      >
        <Input placeholder={t('orders.trackingPlaceholder')} autoComplete="off" className="tg-mono" />
      </Form.Item>
    </>
  );
}
