import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Component and unit tests (npm test, part of make test): src/**/*.test.ts(x) in jsdom.
export default defineConfig({
  plugins: [react()],
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/portal/test/setup.ts'],
  },
});
