import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Tests run without Module Federation: they render the app's own components.
export default defineConfig({
  plugins: [react()],
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup-tests.ts'],
  },
});
