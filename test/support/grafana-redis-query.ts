import type { Redis } from 'ioredis';

/**
 * What a dashboard panel's target holds for the Redis data source (plugin id `redis-datasource`,
 * github.com/RedisGrafana/grafana-redis-datasource: `RedisQuery` in src/redis/types.ts and
 * `queryModel` in pkg/types.go). Only the fields that decide which command runs.
 */
export interface RedisTarget {
  refId?: string;
  /** 'command' (the Redis commands of the editor) or 'cli'. */
  type?: string;
  command?: string;
  keyName?: string;
  field?: string;
  /** A whole command line; when not empty the plugin runs it whatever `type` and `command` say. */
  query?: string;
  start?: string;
  end?: string;
  count?: number;
  streaming?: boolean;
  datasource?: { type?: string; uid?: string };
}

/** One column of a data frame: its name and its values (one per row). */
export interface FrameField {
  name: string;
  values: Array<number | string>;
}

/** The command the plugin sent (lower-case name, argv) and the frame it built from the reply. */
export interface PluginResult {
  command: string;
  argv: string[];
  fields: FrameField[];
}

/** Thrown for a target the emulation does not implement, so a test cannot pass by skipping it. */
export class UnsupportedTargetError extends Error {}

/**
 * Grafana's template syntaxes `$name`, `${name}` and `[[name]]`. The plugin's
 * applyTemplateVariables (src/datasource/datasource.ts) replaces variables in keyName, query and
 * field (and legend, value, filter, path, cypher), not in start/end/count.
 */
export function interpolate(text: string, variables: Record<string, string>): string {
  return text.replace(
    /\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g,
    (whole, a?: string, b?: string, c?: string) => {
      const name = a ?? b ?? c ?? '';
      return name in variables ? variables[name] : whole;
    },
  );
}

/**
 * Splits like bitbucket.org/creachadair/shell `Split`, which the plugin uses for `query` and for
 * HMGET's `field`: blanks separate words, quotes group them, a backslash escapes one character.
 */
export function shellSplit(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += ch;
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote) throw new UnsupportedTargetError(`unbalanced quote in ${JSON.stringify(line)}`);
  if (word !== undefined) words.push(word);
  return words;
}

/** Go's strconv.ParseFloat succeeds: the plugin then makes the column a number column. */
function goFloat(text: string): number | string {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : text;
}

/** The argv the plugin sends for a target, after variables are replaced. */
export function pluginCommand(target: RedisTarget, range: { fromMs: number; toMs: number }) {
  if (target.query) return shellSplit(target.query);
  const key = target.keyName ?? '';
  switch (target.command) {
    case 'hgetall':
    case 'hlen':
    case 'xlen':
    case 'scard':
    case 'llen':
    case 'get':
      return [target.command.toUpperCase(), key];
    case 'hget':
      return ['HGET', key, target.field ?? ''];
    case 'hmget':
      return ['HMGET', key, ...shellSplit(target.field ?? '')];
    case 'xrange':
    case 'xrevrange': {
      // Plugin 2.x (pkg/redis-stream.go): an empty start/end is the dashboard's time range, as
      // stream ids `<ms>-0`; XREVRANGE takes them end first.
      const start = target.start || `${range.fromMs}-0`;
      const end = target.end || `${range.toMs}-0`;
      const bounds = target.command === 'xrange' ? [start, end] : [end, start];
      const count = target.count && target.count > 0 ? ['COUNT', String(target.count)] : [];
      return [target.command.toUpperCase(), key, ...bounds, ...count];
    }
    default:
      throw new UnsupportedTargetError(
        `command ${JSON.stringify(target.command)} is not emulated; add it to test/support/grafana-redis-query.ts with the frame the plugin builds`,
      );
  }
}

/**
 * Runs a target as the plugin would and returns the frame it would build: HGETALL, HMGET and HGET
 * give one row with a column per hash field (pkg/redis-hash.go); HLEN and the like one `Value`
 * column; XRANGE a `$streamId` and a `$time` column (the ms part of the id) and a column per entry
 * field (pkg/redis-stream.go); a `query` the reply as `Value`.
 */
export async function runAsPlugin(
  client: Redis,
  target: RedisTarget,
  range: { fromMs: number; toMs: number },
): Promise<PluginResult> {
  const argv = pluginCommand(target, range);
  const [name, ...args] = argv;
  const reply = await client.call(name, ...args);
  if (target.query) return { command: name.toLowerCase(), argv, fields: cliFrame(reply) };
  const command = target.command ?? '';
  return { command, argv, fields: frameOf(command, argv, reply) };
}

/**
 * A `query` reply as pkg/redis-custom.go frames it (with the `cli` text mode off): an integer or a
 * one-line string as one `Value`, an array flattened into a `Value` column of strings.
 */
function cliFrame(reply: unknown): FrameField[] {
  if (typeof reply === 'number') return [{ name: 'Value', values: [reply] }];
  if (typeof reply === 'string') return [{ name: 'Value', values: [goFloat(reply)] }];
  if (Array.isArray(reply)) return [{ name: 'Value', values: reply.flat(Infinity).map(String) }];
  throw new UnsupportedTargetError(
    `a ${reply === null ? 'nil' : typeof reply} reply: the plugin reports an error`,
  );
}

function frameOf(command: string, argv: string[], reply: unknown): FrameField[] {
  switch (command) {
    case 'hgetall': {
      const flat = reply as string[];
      const fields: FrameField[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        fields.push({ name: flat[i], values: [goFloat(flat[i + 1])] });
      }
      return fields;
    }
    case 'hget':
      // A missing field comes back as nil, which the plugin turns into an empty string.
      return [{ name: argv[2], values: [goFloat((reply as string | null) ?? '')] }];
    case 'hmget':
      return (reply as Array<string | null>).map((value, i) => ({
        name: argv[2 + i],
        values: [goFloat(value ?? '')],
      }));
    case 'hlen':
    case 'xlen':
    case 'scard':
    case 'llen':
      return [{ name: 'Value', values: [Number(reply)] }];
    case 'get':
      return [{ name: 'Value', values: [goFloat((reply as string | null) ?? '')] }];
    case 'xrange':
    case 'xrevrange': {
      const entries = reply as Array<[string, string[]]>;
      const ids: string[] = [];
      const times: number[] = [];
      const columns = new Map<string, Array<number | string>>();
      entries.forEach(([id, flat], row) => {
        ids.push(id);
        times.push(Number(id.split('-')[0]));
        for (let i = 0; i < flat.length; i += 2) {
          let column = columns.get(flat[i]);
          if (!column) {
            column = new Array<number | string>(row).fill(0);
            columns.set(flat[i], column);
          }
          column.push(goFloat(flat[i + 1]));
        }
        for (const column of columns.values()) if (column.length <= row) column.push(0);
      });
      return [
        { name: '$streamId', values: ids },
        { name: '$time', values: times },
        ...[...columns].map(([name, values]) => ({ name, values })),
      ];
    }
    default:
      throw new UnsupportedTargetError(`no frame emulation for ${JSON.stringify(command)}`);
  }
}

/** Grafana's relative times `now` and `now-<n><s|m|h|d|w>`, against `nowMs`. */
export function grafanaTime(text: string, nowMs: number): number {
  if (text === 'now') return nowMs;
  const match = /^now-(\d+)([smhdw])$/.exec(text);
  if (!match) throw new UnsupportedTargetError(`time ${JSON.stringify(text)} is not emulated`);
  const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    match[2] as 's' | 'm' | 'h' | 'd' | 'w'
  ];
  return nowMs - Number(match[1]) * unitMs;
}
