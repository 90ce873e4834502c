/**
 * Runs before every test file (jest.config.js, setupFilesAfterEnv): a file that would start less
 * than FILE_MS before a UTC midnight waits for it, so a file's tests read "today" as the day
 * their events were written on. scripts/test-at.js starts the suite 90 s before a midnight to
 * run it on both sides of one; a file straddling it would see its events split over two days and
 * fail on numbers no single day can hold. Crossing midnight itself is tested where it is the
 * subject, with clocks of its own (test/faults/midnight, test/lua/midnight), and by the tests that
 * guard their own runs (support/expect-today: clearOfMidnight, writeOnOneDay).
 */
const FILE_MS = 40_000;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  const leftMs = DAY_MS - (Date.now() % DAY_MS);
  if (leftMs < FILE_MS) await new Promise((r) => setTimeout(r, leftMs + 100));
}, FILE_MS + 10_000);
