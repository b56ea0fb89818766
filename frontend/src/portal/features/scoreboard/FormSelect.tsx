import { Select, type SelectProps } from 'antd';

// A Select for a required Form.Item: Ant Design puts aria-required on the Select's outer <div>, where ARIA
// does not allow it (axe: aria-allowed-attr); the label's required mark and the rule's message still say it.
export function FormSelect<V = unknown>(props: SelectProps<V> & { 'aria-required'?: boolean | 'true' | 'false' }) {
  const { 'aria-required': _ignored, ...rest } = props;
  void _ignored;
  return <Select<V> {...rest} />;
}
