// Original file: proto/latchkey/v1/agent.proto

import type { Lease as _latchkey_v1_Lease, Lease__Output as _latchkey_v1_Lease__Output } from '../../latchkey/v1/Lease.js';

export interface ListLeasesResponse {
  'leases'?: (_latchkey_v1_Lease)[];
  'nextPageToken'?: (string);
}

export interface ListLeasesResponse__Output {
  'leases': (_latchkey_v1_Lease__Output)[];
  'nextPageToken': (string);
}
