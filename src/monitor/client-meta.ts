import { UserAgentClassifier } from '../ua/user-agent-classifier';
import { clientAddressOf } from '../privacy/client-address';
import { protectCanonicalAddress } from '../privacy/address-mode';
import { encodeSessionMeta } from '../session/session-meta';
import type { ResolvedMonitorOptions } from './monitor-options';
import type { SessionInfo } from './session-input';

/**
 * What is kept of a new session's client: its device, OS and browser or app (the user agent,
 * classified behind a cache) and its address as the privacy mode allows, encoded for the open event.
 */
export class ClientMetaEncoder {
  private readonly userAgents: UserAgentClassifier;

  constructor(private readonly options: ResolvedMonitorOptions) {
    this.userAgents = new UserAgentClassifier({ cacheSize: options.userAgentCacheSize });
  }

  /** The encoded metadata (encodeSessionMeta); `''` when nothing is known. Never throws. */
  encode(info: SessionInfo): string {
    try {
      const headers = info.httpHeaders;
      const header = headers?.['user-agent'];
      const client = this.userAgents.classify(
        info.userAgent ?? (Array.isArray(header) ? header[0] : header),
      );
      const { addressMode, addressSecret, trustedProxies } = this.options;
      // clientAddressOf answers canonical, so the address is normalized once.
      const address =
        addressMode === 'none'
          ? undefined
          : clientAddressOf(info.clientAddress, headers, trustedProxies);
      return encodeSessionMeta({
        deviceType: client.deviceType,
        osName: client.osName,
        osVersion: client.osVersion,
        clientName: client.clientName,
        clientVersion: client.clientVersion,
        clientAddress:
          address === undefined ? '' : protectCanonicalAddress(address, addressMode, addressSecret),
      });
    } catch {
      // Odd input from the host never costs the session: it is counted, as unknown.
      return '';
    }
  }
}
