// Original file: proto/latchkey/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface SecretMeta {
  'name'?: (string);
  'scope'?: (string);
  'owner'?: (string);
  'description'?: (string);
  'createdAtUnixMs'?: (number | string | Long);
  'expiresAtUnixMs'?: (number | string | Long);
  'source'?: (string);
  'mintCommand'?: (string);
  'lastUsedAtUnixMs'?: (number | string | Long);
  'useCount'?: (number);
  'leakedAtUnixMs'?: (number | string | Long);
  'leakedWhere'?: (string);
  'tokenKind'?: (string);
  'expiry'?: (string);
  'allowGrants'?: (string)[];
}

export interface SecretMeta__Output {
  'name': (string);
  'scope': (string);
  'owner': (string);
  'description': (string);
  'createdAtUnixMs': (number);
  'expiresAtUnixMs': (number);
  'source': (string);
  'mintCommand': (string);
  'lastUsedAtUnixMs': (number);
  'useCount': (number);
  'leakedAtUnixMs': (number);
  'leakedWhere': (string);
  'tokenKind': (string);
  'expiry': (string);
  'allowGrants': (string)[];
}
