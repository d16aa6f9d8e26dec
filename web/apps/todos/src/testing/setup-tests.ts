import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
  // the filter lives in the URL: every test starts from the plain page
  window.history.replaceState(null, '', '/');
});
