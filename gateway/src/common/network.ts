// The two networks a gateway serves: the member URL's last segment, and what each is called on pages.
export type Network = 'l1' | 'l2';

/** In the order members see them: Arbitrum One first, the network go-livepeer needs. */
export const NETWORKS: readonly Network[] = ['l2', 'l1'];

export const NETWORK_TITLES: Readonly<Record<Network, string>> = { l2: 'Arbitrum One', l1: 'Ethereum' };
