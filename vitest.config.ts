import { defineConfig } from 'vitest/config';

/**
 * Unit tests run alone; integration tests share one local system (DynamoDB Local, fauxqs, the KMS
 * endpoint, gateway, pollers) started once by test/global-setup.ts. The risk-model tests publish
 * models, which re-segments everyone, so they get a local system of their own.
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
          exclude: ['test/integration/models/**'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-models',
          include: ['test/integration/models/**/*.test.ts'],
          globalSetup: ['test/global-setup-models.ts'],
        },
      },
      // Load and fault injection: a system of their own (faults would break the shared one's tests,
      // and load figures need a quiet system); files one after the other, never beside each other.
      {
        extends: true,
        test: {
          name: 'integration-stress',
          include: ['test/stress/**/*.test.ts'],
          globalSetup: ['test/global-setup-stress.ts'],
          fileParallelism: false,
        },
      },
      // CDK stacks: synthesized offline (esbuild bundles, cdk-nag packs); no local system needed.
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
