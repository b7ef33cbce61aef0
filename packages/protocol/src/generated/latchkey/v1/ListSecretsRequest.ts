// Original file: proto/latchkey/v1/agent.proto


export interface ListSecretsRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListSecretsRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
}
