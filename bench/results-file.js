'use strict';
/**
 * bench/RESULTS.md, rewritten by every run: the machine, the command that produced the figures,
 * every target with ok/MISSED, and the whole table. It is a record of one run on one machine,
 * meant to be committed next to the code it measured.
 */
const { writeFileSync } = require('node:fs');
const { verdicts } = require('./targets');

function renderResults(result, table) {
  const { machine } = result;
  const cell = (text) => String(text).replace(/\|/g, '\\|');
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`${result.command}\` at ${result.finishedAt}, in ${Math.round(result.durationMs / 1000)} s. ` +
      'Every run rewrites this file; all figures come from that one run on one private ' +
      '`redis-server`, so peers in a row were measured side by side.',
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${cell(machine.cpu)}, ${machine.cores} cores |`,
    `| memory | ${machine.memoryGiB} GiB |`,
    `| platform | ${cell(machine.platform)} |`,
    `| node | ${machine.node} |`,
    `| redis | ${machine.redis} (${machine.redisAllocator}) |`,
    `| load average (1 min) | ${machine.loadAverage1m} at start, ${machine.loadAverageAtEnd1m} at end |`,
    '',
    '## Targets',
    '',
    '| figure | measured | target | verdict |',
    '|---|---|---|---|',
    ...verdicts(result).map(
      (v) =>
        `| ${cell(v.figure)} | ${cell(v.measured)} | ${cell(v.target)} | ${v.ok ? 'ok' : 'MISSED'} |`,
    ),
    '',
    '## Table',
    '',
    '```text',
    table,
    '```',
    '',
    'With `--json` (`npm run --silent bench -- --json`) a run prints every figure as one JSON object.',
    '',
  ];
  return lines.join('\n');
}

function writeResults(path, result, table) {
  writeFileSync(path, renderResults(result, table));
}

module.exports = { writeResults };
