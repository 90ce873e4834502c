/**
 * Grafana provisioning (grafana/provisioning, grafana/examples): the redis-datasource and dashboard
 * provider files, read with a tiny YAML reader, agree with the dashboard and the README.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellSplit } from '../support/grafana-redis-query';
import { GRAFANA, ROOT, allPanels, loadDashboard } from '../support/grafana-dashboard';

/**
 * A tiny YAML reader for the provisioning files: block mappings, block sequences of mappings and
 * plain or quoted scalars, which is all Grafana's provisioning examples use. Anything else throws,
 * so a file it cannot read fails the test instead of passing unread.
 */
type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

function parseYaml(text: string): Yaml {
  if (text.includes('\t')) throw new Error('tabs are not allowed in YAML indentation');
  const lines = text
    .split('\n')
    .map((raw, i) => {
      const body = raw.replace(/(^|\s)#.*$/, '').trimEnd();
      return { n: i + 1, indent: body.search(/\S/), text: body.trim() };
    })
    .filter((line) => line.text !== '');
  let pos = 0;
  const scalar = (text: string, n: number): Yaml => {
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    if (text === 'true' || text === 'false') return text === 'true';
    if (text === 'null' || text === '~') return null;
    const quoted = /^"(.*)"$|^'(.*)'$/.exec(text);
    if (quoted) return quoted[1] ?? quoted[2];
    if (/^[[{&*!|>%@`]|:\s|\s#/.test(text))
      throw new Error(`line ${n}: unsupported scalar ${text}`);
    return text;
  };
  const block = (): Yaml =>
    lines[pos].text.startsWith('- ') ? sequence(lines[pos].indent) : mapping(lines[pos].indent);
  const mapping = (indent: number): Yaml => {
    const out: { [key: string]: Yaml } = {};
    while (
      pos < lines.length &&
      lines[pos].indent === indent &&
      !lines[pos].text.startsWith('- ')
    ) {
      const line = lines[pos++];
      const match = /^([\w.-]+):(?:\s+(.+))?$/.exec(line.text);
      if (!match) throw new Error(`line ${line.n}: expected "key: value", got ${line.text}`);
      if (match[1] in out) throw new Error(`line ${line.n}: duplicate key ${match[1]}`);
      if (match[2] !== undefined) out[match[1]] = scalar(match[2], line.n);
      else if (pos < lines.length && lines[pos].indent > indent) out[match[1]] = block();
      else out[match[1]] = null;
    }
    if (pos < lines.length && lines[pos].indent > indent) {
      throw new Error(`line ${lines[pos].n}: unexpected indentation`);
    }
    return out;
  };
  const sequence = (indent: number): Yaml => {
    const out: Yaml[] = [];
    while (pos < lines.length && lines[pos].indent === indent && lines[pos].text.startsWith('- ')) {
      const line = lines[pos];
      const rest = line.text.slice(2).trim();
      if (/^[\w.-]+:(\s|$)/.test(rest)) {
        // "- key: value" opens a mapping whose other keys line up under "key".
        lines[pos] = { ...line, indent: indent + 2, text: rest };
        out.push(mapping(indent + 2));
      } else {
        out.push(scalar(rest, line.n));
        pos++;
      }
    }
    return out;
  };
  const result = block();
  if (pos < lines.length) throw new Error(`line ${lines[pos].n}: unexpected ${lines[pos].text}`);
  return result;
}

function readYaml(...path: string[]): Record<string, Yaml> {
  const parsed = parseYaml(readFileSync(join(GRAFANA, ...path), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path.join('/')} is not a mapping`);
  }
  return parsed;
}

describe('Grafana dashboard and provisioning (grafana/)', () => {
  it('provisions a redis-datasource the dashboard finds, and the dashboard from its folder', () => {
    const dashboard = loadDashboard();
    const datasourceVar = dashboard.templating.list.find((v) => v.type === 'datasource');
    const namespaceVar = dashboard.templating.list.find((v) => v.name === 'namespace');
    expect(datasourceVar).toMatchObject({ name: 'datasource', query: 'redis-datasource' });
    expect(namespaceVar).toMatchObject({ type: 'textbox', query: 'default' });
    expect(namespaceVar?.current.value).toBe('default');

    for (const file of [
      ['provisioning', 'datasources', 'sau-redis.yaml'],
      ['examples', 'sau-redis-cluster.yaml'],
      ['examples', 'sau-redis-tls.yaml'],
    ]) {
      const yaml = readYaml(...file);
      expect(yaml.apiVersion).toBe(1);
      const [source] = yaml.datasources as Array<Record<string, Yaml>>;
      const jsonData = source.jsonData as Record<string, Yaml>;
      expect(source).toMatchObject({ type: 'redis-datasource', access: 'proxy' });
      // The dashboard's data source variable defaults to the provisioned uid.
      expect(source.uid).toBe(datasourceVar?.current.value);
      expect(jsonData).toMatchObject({ acl: true, user: 'sau-reader' });
      expect(['standalone', 'cluster']).toContain(jsonData.client);
      const urls = String(source.url).split(',');
      expect(urls.length).toBe(jsonData.client === 'cluster' ? 3 : 1);
      for (const url of urls) expect(url).toMatch(/^(redis:\/\/)?[\w.-]+:\d+$/);
      // The password comes from Grafana's environment, never from the file.
      const secure = source.secureJsonData as Record<string, Yaml>;
      expect(secure.password).toMatch(/^\$\{?[A-Z_]+\}?$/);
      if (jsonData.tlsAuth !== undefined) {
        // The plugin knows no rediss://: TLS is tlsAuth, with PEM text in secureJsonData.
        expect(jsonData).toMatchObject({ tlsAuth: true, tlsSkipVerify: false });
        for (const pem of ['tlsCACert', 'tlsClientCert', 'tlsClientKey']) {
          expect(secure[pem]).toMatch(/^\$__file\{\/[\w/.-]+\}$/);
        }
      }
    }

    const providers = readYaml('provisioning', 'dashboards', 'sau-monitor.yaml').providers as Array<
      Record<string, Yaml>
    >;
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file', orgId: 1 });
    const path = (providers[0].options as Record<string, Yaml>).path as string;
    expect(path).toMatch(/^\/[\w/.-]+$/);
    // The README's steps put the dashboard file where the provider looks.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /\n## Grafana\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    expect(section).toContain('grafana-cli plugins install redis-datasource');
    expect(section).toContain(`grafana/dashboards/sau-monitor.json ${path}/`);
    expect(section).toContain(`uid \`${dashboard.uid}\``);
    for (const setting of ['jsonData.tlsAuth', 'secureJsonData.tlsCACert', 'sau-redis-tls.yaml']) {
      expect(section).toContain(setting);
    }

    // Every query goes to that data source and to a key of the chosen namespace, with a command
    // the README lists for the read-only user's rights.
    for (const panel of allPanels(dashboard)) {
      for (const target of panel.targets ?? []) {
        const command = target.query ? shellSplit(target.query)[0] : (target.command ?? '');
        expect(section).toContain(`\`${command.toUpperCase()}\``);
        expect({ panel: panel.title, uid: target.datasource?.uid }).toEqual({
          panel: panel.title,
          uid: '${datasource}',
        });
        expect(target.query || target.keyName).toMatch(/^(\w+ )?sau:\{\$namespace\}:/);
      }
    }
  });
});
