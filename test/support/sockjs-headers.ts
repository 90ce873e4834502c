/** The request headers sockjs 0.3.24 hands Meteor (lib/transport.js, `decorateConnection`). */
const KEPT_HEADERS = [
  'referer',
  'x-client-ip',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-cluster-client-ip',
  'via',
  'x-real-ip',
  'x-forwarded-proto',
  'x-ssl',
  'dnt',
  'host',
  'user-agent',
  'accept-language',
];

/** `headers` as a Meteor connection's `httpHeaders` shows them: the whitelisted ones only. */
export function pickSockJsHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => KEPT_HEADERS.includes(name)),
  );
}
