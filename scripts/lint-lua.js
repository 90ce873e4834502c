// luacheck on every script as Redis runs it: bundled with its includes, so a function an include
// defines is known, and an include's unused helper is reported only if no script uses it. A script
// run as a Redis Function is checked as its library, where KEYS and ARGV are the function's
// arguments, not globals: an include that read them as globals would fail there.
const {
  mkdirSync,
  mkdtempSync,
  writeFileSync,
  rmSync,
  readdirSync,
  readFileSync,
} = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { spawnSync } = require('node:child_process');
const { loadScripts } = require('../dist/scripts/script-catalog');

const dir = mkdtempSync(join(tmpdir(), 'sau-luacheck-'));
const scriptsDir = join(dir, 'scripts');
const librariesDir = join(dir, 'libraries');
try {
  mkdirSync(scriptsDir);
  mkdirSync(librariesDir);
  for (const script of loadScripts().values()) {
    if (script.library)
      writeFileSync(join(librariesDir, `${script.name}.lua`), script.library.code);
    else writeFileSync(join(scriptsDir, `${script.name}.lua`), script.source);
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
  const luacheck = (args) => {
    const result = spawnSync('luacheck', [...args, '--config', config, '--no-color', ...ignore], {
      stdio: 'inherit',
    });
    if (result.error) {
      console.error(`luacheck could not run (${result.error.message}); install Debian's lua-check`);
      process.exit(1);
    }
    return result.status ?? 1;
  };
  const scripts = luacheck([scriptsDir, grafana]);
  const libraries = luacheck([librariesDir, '--not-globals', 'KEYS', 'ARGV']);
  process.exitCode = Math.max(scripts, libraries);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
