'use strict';
/** Nearest-rank percentile of an ascending array (0 for an empty one): p = 0.99 for p99. */
function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

module.exports = { percentile };
