import { cleanup, render, screen } from '@testing-library/react';
import { CombinedError } from 'urql';
import { afterEach, expect, test } from 'vitest';
import '../i18n';
import { ApiError, fieldErrors } from './ApiError';

afterEach(cleanup);

test('a request error shows the API message and its field', () => {
  const error = new CombinedError({
    graphQLErrors: [{ message: 'amount must be at most 120.00', extensions: { code: 'BAD_USER_INPUT', field: ['input', 'amount'] } }],
  });
  render(<ApiError error={error} />);
  expect(screen.getByRole('alert').textContent).toContain('amount must be at most 120.00');
  expect(screen.getByRole('alert').textContent).toContain('Field: input.amount');
});

test('several userErrors are listed', () => {
  render(
    <ApiError
      userErrors={[
        { code: 'A', field: ['input', 'carrier'], message: 'carrier is required' },
        { code: 'B', field: null, message: 'the order changed' },
      ]}
    />,
  );
  const text = screen.getByRole('alert').textContent ?? '';
  expect(text).toContain('carrier is required');
  expect(text).toContain('the order changed');
});

test('nothing to show renders nothing', () => {
  const { container } = render(<ApiError userErrors={[]} />);
  expect(container.innerHTML).toBe('');
});

test('fieldErrors puts each userError on its form field', () => {
  expect(
    fieldErrors([
      { code: 'A', field: ['input', 'trackingNumber'], message: 'bad tracking' },
      { code: 'B', field: ['input'], message: 'whole input' },
      { code: 'C', message: 'no field' },
    ]),
  ).toEqual({
    fields: [{ name: 'trackingNumber', errors: ['bad tracking'] }],
    rest: [
      { code: 'B', field: ['input'], message: 'whole input' },
      { code: 'C', message: 'no field' },
    ],
  });
});
