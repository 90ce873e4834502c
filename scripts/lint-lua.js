// luacheck on every script as Redis runs it: bundled with its includes, so a function an include
// defines is known, and an include's unused helper is reported only if no script uses it.
const { mkdtempSync, writeFileSync, rmSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { spawnSync } = require('node:child_process');
const { loadScripts } = require('../dist/scripts/script-catalog');

const dir = mkdtempSync(join(tmpdir(), 'sau-luacheck-'));
try {
  for (const script of loadScripts().values()) {
    writeFileSync(join(dir, `${script.name}.lua`), script.source);
  }
  // An include is a library: a script may use some of its functions and not others.
  const includes = join(__dirname, '..', 'lua', 'includes');
  const libraryFunctions = readdirSync(includes).flatMap((file) =>
    [...readFileSync(join(includes, file), 'utf8').matchAll(/^local function (\w+)/gm)].map(
      (m) => m[1],
    ),
  );
  const config = join(__dirname, '..', '.luacheckrc');
  const ignore = ['--ignore', ...libraryFunctions.map((name) => `211/${name}`)];
  // grafana/redis-exporter.lua is run by redis_exporter as it is, without includes.
  const grafana = join(__dirname, '..', 'grafana');
  const result = spawnSync(
    'luacheck',
    [dir, grafana, '--config', config, '--no-color', ...ignore],
    {
      stdio: 'inherit',
    },
  );
  if (result.error) {
    console.error(`luacheck could not run (${result.error.message}); install Debian's lua-check`);
    process.exit(1);
  }
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
