/**
 * What went wrong with Redis, in an operator's words: ioredis reports a lost connection as
 * `Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest"…`,
 * which names a client option instead of the problem. Messages of errors that are not about
 * reaching Redis are returned as they are.
 */
export function describeRedisTrouble(err: Error): string {
  const code = (err as { code?: unknown }).code;
  const message = err.message;
  if (err.name === 'MaxRetriesPerRequestError' || /^Connection is closed/.test(message)) {
    return 'the connection to Redis is lost and not back yet (Redis stopped, restarting, or unreachable)';
  }
  if (code === 'ECONNREFUSED') {
    return 'Redis refuses connections (not running, or not on this address)';
  }
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return 'Redis cannot be reached over the network (timeout or no route)';
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return "Redis's host name cannot be resolved";
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return 'Redis closed the connection';
  }
  if (/^Stream isn't writeable/.test(message) || /^Cluster is disconnected/.test(message)) {
    return 'not connected to Redis right now (reconnecting)';
  }
  if (/^LOADING\b/.test(message)) return 'Redis is loading its data set after a restart';
  if (/^(NOAUTH|WRONGPASS)\b/.test(message)) {
    return 'Redis refuses our user name or password';
  }
  if (/^(CLUSTERDOWN|TRYAGAIN)\b|^None of startup nodes|^Failed to refresh slots/.test(message)) {
    return 'the Redis Cluster is not serving every slot (a node is down or failing over)';
  }
  if (/^MASTERDOWN\b|^All sentinels are unreachable/.test(message)) {
    return 'no Redis master is available (a failover is under way, or the sentinels are down)';
  }
  return message;
}
