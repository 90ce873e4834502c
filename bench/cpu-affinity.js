'use strict';
/**
 * Which cores a process may run on, and how often the kernel took one away from it mid-run.
 *
 * The machine has two cores, shared by redis-server and the reaper being measured (and, on a
 * shared host, by others). A script call that SLOWLOG shows at 9 ms may have done 1 ms of work and
 * waited for a core the rest of the time. The reap bench counts redis-server's involuntary context
 * switches during the reap, and measures one reap with redis-server on a core of its own and the
 * bench's processes on the others, as on a server of its own, so that the longest call measures
 * the script more than the sharing (the kernel, the host and other processes still preempt it
 * now and then). Linux only (taskset and /proc); elsewhere these figures are left out.
 */
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { availableParallelism } = require('node:os');

/** Whether one process can be given a core of its own and the rest another: Linux, taskset, 2+ cores. */
function canPin() {
  if (process.platform !== 'linux' || availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Restricts every thread of process `pid` to the cores `cpus` (e.g. "1" or "0-1"). */
function pinProcess(pid, cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** The cores: the last one, for a process on its own; the others; and all of them. */
function coreSets() {
  const last = availableParallelism() - 1;
  return {
    own: String(last),
    rest: last === 1 ? '0' : `0-${last - 1}`,
    all: `0-${last}`,
  };
}

/** Times the kernel preempted process `pid` so far (nonvoluntary_ctxt_switches); null if unknown. */
function preemptions(pid) {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^nonvoluntary_ctxt_switches:\s+(\d+)$/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

module.exports = { canPin, pinProcess, coreSets, preemptions };
