import { PassThrough } from 'node:stream';
import { CommanderError } from 'commander';
import { ConfigError, InvalidArgumentError, RedisScriptError } from '../../src';
import { CliError } from '../../src/cli/cli-error';
import { describeError } from '../../src/cli/describe-error';
import { parseDuration } from '../../src/cli/option-parsers';
import { humanLabel, Output, renderDocument } from '../../src/cli/output';
import { formatValue } from '../../src/cli/table';
import { redact } from '../../src/cli/redact';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('output', () => {
  it('renders a stats object as aligned sections', () => {
    expect(
      renderDocument({
        namespace: 'default',
        at: '2026-11-21T12:00:00.000Z',
        now: { users: 1234, sessions: 2345, anonymousSessions: 12 },
        month: { exact: false, rolling30: 9500, stickiness: 0.55, peakAt: null },
        week: undefined,
      }),
    ).toBe(
      [
        'namespace             default',
        'at                    2026-11-21T12:00:00.000Z',
        '',
        'now',
        '  users               1,234',
        '  sessions            2,345',
        '  anonymous sessions  12',
        '',
        'month',
        '  exact               no',
        '  rolling 30          9,500',
        '  stickiness          0.55',
        '  peak at             -',
        '',
      ].join('\n'),
    );
  });

  it('renders arrays of objects as column tables', () => {
    expect(
      renderDocument({
        instances: [
          { id: 'a', sessions: 5 },
          { id: 'bb', sessions: 12 },
        ],
      }),
    ).toBe('instances\n  id  sessions\n  a          5\n  bb        12\n');
  });

  it('labels and values', () => {
    expect(humanLabel('anonymousSessions')).toBe('anonymous sessions');
    expect(humanLabel('rolling30Exact')).toBe('rolling 30 exact');
    expect(formatValue(1234567)).toBe('1,234,567');
    expect(formatValue(true)).toBe('yes');
    expect(formatValue(null)).toBe('-');
  });

  it('--json writes nothing but one JSON line per value to stdout', () => {
    const stdout = capture();
    const stderr = capture();
    const output = new Output({ json: true, stdout: stdout.stream, stderr: stderr.stream });
    output.document({ a: 1, b: { c: 2 } });
    const row = output.rows([{ key: 'x', label: 'X' }]);
    row({ x: 1 });
    row({ x: 2 }, { full: true });
    output.note('a diagnostic');
    expect(stdout.text()).toBe('{"a":1,"b":{"c":2}}\n{"x":1}\n{"full":true}\n');
    expect(stderr.text()).toBe('a diagnostic\n');
  });

  it('prints a live table header once, columns aligned: text left, numbers right', () => {
    const stdout = capture();
    const output = new Output({ json: false, stdout: stdout.stream });
    const row = output.rows([
      { key: 't', label: 'time', width: 5 },
      { key: 'n', label: 'SAU', width: 5 },
    ]);
    row({ t: '1s', n: 5 });
    row({ t: '10s', n: 1200 });
    expect(stdout.text()).toBe('time     SAU\n1s         5\n10s    1,200\n');
  });

  it('wraps a later value longer than its column inside the column', () => {
    const stdout = capture();
    const output = new Output({ json: false, stdout: stdout.stream });
    const print = output.rows([
      { key: 'id', label: 'session' },
      { key: 'n', label: 'n' },
    ]);
    print.page([{ id: 'abc', n: 1 }]);
    print.page([{ id: 'abcdefghij', n: 2 }]);
    expect(stdout.text()).toBe('session  n\nabc      1\nabcdefg  2\nhij\n');
  });
});

describe('redact', () => {
  it.each([
    ['redis://u:secret@h:1', 'redis://u:***@h:1'],
    ['redis://:secret@h', 'redis://:***@h'],
    ['redis://u:p@secret@h', 'redis://u:***@h'],
    ['redis://h:1?password=secret', 'redis://h:1?password=***'],
    ['rediss://u:p%40secret@h', 'rediss://u:***@h'],
  ])('%s → %s', (url, masked) => {
    expect(redact(`cannot reach ${url}: boom`, [url])).toBe(`cannot reach ${masked}: boom`);
  });

  it('masks every URL of a message, even ones it was not told about', () => {
    expect(redact('a redis://:x1@a and redis://:y2@b')).toBe('a redis://:***@a and redis://:***@b');
  });
});

describe('parseDuration', () => {
  it.each([
    ['5s', 5000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1.5s', 1500],
    ['3', 3000],
    ['1h', 3_600_000],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '0', 's', '5 seconds', '-1', '1d'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow();
  });
});

describe('describeError', () => {
  it('maps each kind of failure to one line and an exit code', () => {
    const commander = new CommanderError(
      1,
      'commander.unknownOption',
      "error: unknown option '--x'",
    );
    expect(describeError(commander)).toEqual({
      message: "sau-cli: unknown option '--x'",
      exitCode: 2,
    });
    expect(describeError(new CommanderError(0, 'commander.helpDisplayed', '(help)'))).toEqual({
      message: undefined,
      exitCode: 0,
    });
    expect(describeError(new ConfigError('bad zone', 'INVALID_TIMEZONE')).exitCode).toBe(2);
    expect(describeError(new InvalidArgumentError('bad date')).exitCode).toBe(2);
    expect(describeError(new RedisScriptError('SUPERSEDED', 'taken over')).exitCode).toBe(1);
    expect(describeError(new CliError('nope', 3))).toEqual({
      message: 'sau-cli: nope',
      exitCode: 3,
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(describeError(refused).exitCode).toBe(3);
    expect(describeError(new Error('NOAUTH Authentication required.')).exitCode).toBe(3);
    expect(describeError(new TypeError('x is undefined\n    at foo'))).toEqual({
      message: 'sau-cli: x is undefined',
      exitCode: 1,
    });
  });

  it('masks passwords it knows of, wherever they appear', () => {
    const url = 'redis://:hunter22@db:6379';
    expect(describeError(new Error(`failed on ${url} with hunter22`), [url]).message).toBe(
      'sau-cli: failed on redis://:***@db:6379 with ***',
    );
  });
});
