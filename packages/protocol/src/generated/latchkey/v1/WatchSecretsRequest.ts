// Original file: proto/latchkey/v1/agent.proto


export interface WatchSecretsRequest {
  'secrets'?: (string)[];
  'manifests'?: (string)[];
}

export interface WatchSecretsRequest__Output {
  'secrets': (string)[];
  'manifests': (string)[];
}
