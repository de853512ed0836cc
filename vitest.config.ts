import { defineConfig } from 'vitest/config';

/**
 * Two projects: unit tests run alone; integration tests share one local system (DynamoDB Local,
 * fauxqs, KMS endpoint, gateway, pollers) started once by test/global-setup.ts.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
