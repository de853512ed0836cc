import { defineConfig } from 'vitest/config';

/**
 * Browser tests (npm run test:browser): the dashboard in headless Chromium (Debian's `chromium`,
 * driven by playwright-core) against a local system of their own. Kept out of `npm test` because
 * they need the browser installed; .ci/run installs it and runs them after `npm test`.
 */
export default defineConfig({
  test: {
    name: 'browser',
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
