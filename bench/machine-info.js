'use strict';
/** What the figures were measured on: a reader compares runs and machines by this. */
const os = require('node:os');
const { Redis } = require('ioredis');

async function machineInfo(url) {
  const client = new Redis(url);
  try {
    const info = (await client.info('server')) + (await client.info('memory'));
    const field = (name) => (new RegExp(`^${name}:(.*)$`, 'm').exec(info) ?? [])[1]?.trim();
    const cpus = os.cpus();
    return {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      redis: field('redis_version'),
      redisAllocator: field('mem_allocator'),
      // Other work on the machine skews every figure; a reader of the result should see it.
      loadAverage1m: loadAverage(),
    };
  } finally {
    await client.quit();
  }
}

function loadAverage() {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

module.exports = { machineInfo, loadAverage };
