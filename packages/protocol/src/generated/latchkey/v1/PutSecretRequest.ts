// Original file: proto/latchkey/v1/agent.proto


export interface PutSecretRequest {
  'name'?: (string);
  'value'?: (string);
  'ttlSeconds'?: (number);
  'owner'?: (string);
  'description'?: (string);
  'project'?: (boolean);
  'cwd'?: (string);
  'source'?: (string);
  'mintCommand'?: (string);
  'allowGrants'?: (string)[];
}

export interface PutSecretRequest__Output {
  'name': (string);
  'value': (string);
  'ttlSeconds': (number);
  'owner': (string);
  'description': (string);
  'project': (boolean);
  'cwd': (string);
  'source': (string);
  'mintCommand': (string);
  'allowGrants': (string)[];
}
