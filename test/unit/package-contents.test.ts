import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Until it is on the registry, apps install the package from git or from `npm pack`'s tarball
 * (README, "Use it"): that tarball must hold everything the library and the CLI load at run time.
 */
describe('the packed package', () => {
  it('holds the built code, the Lua scripts, the CLI, Grafana files and the Redis example', () => {
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(packed.status).toBe(0);
    const [{ filename, files }] = JSON.parse(packed.stdout) as {
      filename: string;
      files: { path: string }[];
    }[];
    const paths = new Set(files.map((f) => f.path));
    const lua = readdirSync(join(ROOT, 'lua')).filter((f) => f.endsWith('.lua'));
    const grafana = ['dashboards/sau-monitor.json', 'examples/sau-redis-tls.yaml'];
    for (const path of [
      'package.json',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'bin/sau-cli.js',
      'redis.conf.example',
      ...lua.map((f) => `lua/${f}`),
      ...grafana.map((f) => `grafana/${f}`),
    ]) {
      expect({ path, packed: paths.has(path) }).toEqual({ path, packed: true });
    }
    expect([...paths].filter((p) => /^(src|test|bench)\//.test(p))).toEqual([]);

    // The README's install steps name that tarball.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`npm pack   # writes ${filename}`);
    expect(readme).toContain(`npm install ../sau-monitor/${filename}`);
    expect(readme).toMatch(/npm install 'git\+https:\/\/.+sau-monitor\.git#/);
  });
});
