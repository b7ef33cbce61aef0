// Original file: proto/latchkey/v1/agent.proto


export interface ListLeasesRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListLeasesRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
}
