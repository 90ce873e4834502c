/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Each test file starts its own redis-server; two workers match the two cores of our machines.
  maxWorkers: 2,
  testTimeout: 30000,
};
