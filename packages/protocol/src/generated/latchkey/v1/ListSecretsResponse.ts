// Original file: proto/latchkey/v1/agent.proto

import type { SecretMeta as _latchkey_v1_SecretMeta, SecretMeta__Output as _latchkey_v1_SecretMeta__Output } from '../../latchkey/v1/SecretMeta.js';

export interface ListSecretsResponse {
  'secrets'?: (_latchkey_v1_SecretMeta)[];
  'nextPageToken'?: (string);
}

export interface ListSecretsResponse__Output {
  'secrets': (_latchkey_v1_SecretMeta__Output)[];
  'nextPageToken': (string);
}
