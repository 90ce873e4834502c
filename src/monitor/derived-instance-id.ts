import { randomBytes } from 'node:crypto';
import { MAX_INSTANCE_ID_BYTES } from '../keys';

/**
 * The identity a live process takes when another live process registered its instance id (two
 * replicas started from one configuration): the configured id, shortened if it must be, and a
 * random suffix, so both go on being counted, each under an id of its own, and the operator can
 * still tell where the second came from.
 */
export function derivedInstanceId(instanceId: string): string {
  const suffix = `~${randomBytes(4).toString('hex')}`;
  const points = [...instanceId];
  while (Buffer.byteLength(points.join('')) + suffix.length > MAX_INSTANCE_ID_BYTES) points.pop();
  return `${points.join('')}${suffix}`;
}
