/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // No test file starts in the last seconds of a UTC day (see the file).
  setupFilesAfterEnv: ['<rootDir>/test/support/file-clear-of-midnight.ts'],
  // Each test file starts its own redis-server; two workers match the two cores of our machines.
  maxWorkers: 2,
  testTimeout: 30000,
};
