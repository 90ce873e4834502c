'use strict';
/** How the bench table writes numbers and verdicts. */

/** An integer with thousands separators. */
const n = (x) => Math.round(x).toLocaleString('en-US');
const verdict = (ok) => (ok ? 'ok' : 'MISSED');
const pct = (x) => `${(x * 100).toFixed(3)} %`;

module.exports = { n, verdict, pct };
