// Times `importRocketChatSessions` on 1,000,000 generated rocketchat_sessions documents
// (mongoexport NDJSON, half canonical and half relaxed dates): 5,000 users over 30 days.
// Usage: npm run build && node bench/import.js [documents]. Not part of bench/run.js.
const { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { once } = require('node:events');
const { importRocketChatSessions } = require('../dist');
const { startPrivateRedis } = require('./redis-process');

const DOCS = Number(process.argv[2] ?? 1_000_000);
const USERS = 5000;
const DAYS = 30;
const DEVICES = [
  { type: 'browser', name: 'Chrome', os: { name: 'Windows', version: '10' } },
  { type: 'browser', name: 'Firefox', os: { name: 'Linux', version: '' } },
  { type: 'mobile-app', name: 'RC Mobile', os: { name: 'iOS', version: '17.4' } },
  { type: 'desktop-app', name: 'Rocket.Chat', os: { name: 'Mac OS', version: '14.4' } },
];

async function generate(file) {
  const out = createWriteStream(file);
  const start = Date.now() - (DAYS + 1) * 86_400_000;
  let seed = 7;
  // xorshift32: deterministic, so every run imports the same documents.
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  for (let i = 0; i < DOCS; i++) {
    const login = start + Math.floor(random() * DAYS * 86_400_000);
    const end = login + Math.floor(random() * 4 * 3_600_000);
    const date = (ms) =>
      i % 2 ? { $date: new Date(ms).toISOString() } : { $date: { $numberLong: String(ms) } };
    const doc = {
      _id: `d${i}`,
      type: 'session',
      sessionId: `s${i}`,
      userId: `u${Math.floor(random() * USERS)}`,
      instanceId: 'i1',
      loginAt: date(login),
      lastActivityAt: date(end),
      device: DEVICES[i % DEVICES.length],
    };
    if (!out.write(`${JSON.stringify(doc)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'sau-bench-import-'));
  const redis = await startPrivateRedis();
  try {
    const file = join(dir, 'sessions.json');
    await generate(file);
    const started = Date.now();
    const report = await importRocketChatSessions(createReadStream(file), {
      redis: redis.url,
      namespace: 'bench-import',
      onProgress: (p) =>
        process.stderr.write(`${p.phase} ${p.lines} ${p.partsDone}/${p.partsTotal}\n`),
    });
    const seconds = (Date.now() - started) / 1000;
    const again = Date.now();
    const second = await importRocketChatSessions(createReadStream(file), {
      redis: redis.url,
      namespace: 'bench-import',
    });
    console.log(
      JSON.stringify({
        documents: report.imported,
        fileMB: Math.round(statSync(file).size / 1e6),
        days: report.days,
        parts: report.partsApplied,
        seconds,
        docsPerSecond: Math.round(report.imported / seconds),
        reimportSeconds: (Date.now() - again) / 1000,
        reimportPartsApplied: second.partsApplied,
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
