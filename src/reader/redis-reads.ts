import type { RedisClient } from '../redis/redis-client';

/** Redis TIME in ms: "today" and ages are Redis's, not this machine's. */
export async function redisNowMs(client: RedisClient): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Replies of a pipeline, in order; the first failed command's error is thrown. */
export async function execPipeline(
  pipeline: ReturnType<RedisClient['pipeline']>,
): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
