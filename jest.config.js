/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The fresh-clone install test runs on its own (npm run test:install): its npm ci takes minutes.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/install/'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 20000,
  setupFilesAfterEnv: ['<rootDir>/test/support/every-test-asserts.ts'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
